// Deleting ghcr.io manifests through GitHub's Packages API (GHCR refuses the distribution API's
// DELETE): a container package's versions are its manifests, `name` is the digest and
// `metadata.container.tags` its tags. Org and user owners have separate paths.
import type { Repository } from '../oci/reference.js';
import type { DeleteBackend } from '../pipeline/cleanup.js';
import { UserError } from '../util/errors.js';
import { get } from './context.js';
import { apiError, type Octokit } from './octokit.js';

export interface PackageRef {
  ownerType: 'org' | 'user';
  owner: string;
  /** The path after the owner (`app-config`, `team/app`); Octokit URL-encodes it. */
  name: string;
}

interface PackageVersion {
  id: number;
  name: string;
  metadata?: { container?: { tags?: string[] } };
}

/** Owner and package name of a ghcr.io repository path (`org/team/app` → `org`, `team/app`). */
function packageName(repository: Repository): { owner: string; name: string } {
  const [owner, ...rest] = repository.path.split('/');
  if (!owner || rest.length === 0) {
    throw new UserError(
      `repository ${repository.name} has no package name after the owner: use ghcr.io/<owner>/<name>`,
      'repository',
    );
  }
  return { owner, name: rest.join('/') };
}

/**
 * Whether the owner is an organization or a user: from the event payload when it names the same
 * owner (no request), else `GET /users/{owner}`, whose `type` says which.
 */
export async function resolvePackage(
  octokit: Octokit,
  repository: Repository,
  event: Record<string, unknown>,
): Promise<PackageRef> {
  const { owner, name } = packageName(repository);
  const payloadOwner = get(event, 'repository', 'owner');
  const login = get(payloadOwner, 'login');
  const type = get(payloadOwner, 'type');
  if (typeof login === 'string' && login.toLowerCase() === owner && typeof type === 'string') {
    return { ownerType: type === 'Organization' ? 'org' : 'user', owner, name };
  }
  try {
    const { data } = await octokit.rest.users.getByUsername({ username: owner });
    return { ownerType: data.type === 'Organization' ? 'org' : 'user', owner, name };
  } catch (err) {
    throw apiError(err, `look up the owner ${owner} of ${repository.name}`, 'github-token');
  }
}

/** A `DeleteBackend` deleting package versions by digest; versions are listed once, page by page. */
export function packagesBackend(octokit: Octokit, pkg: PackageRef): DeleteBackend {
  const what = `container package ${pkg.name} of ${pkg.owner}`;
  const common = { package_type: 'container' as const, package_name: pkg.name };
  let byDigest: Map<string, number> | undefined;

  const list = async (): Promise<Map<string, number>> => {
    try {
      const versions: PackageVersion[] =
        pkg.ownerType === 'org'
          ? await octokit.paginate(
              octokit.rest.packages.getAllPackageVersionsForPackageOwnedByOrg,
              {
                ...common,
                org: pkg.owner,
                state: 'active',
                per_page: 100,
              },
            )
          : await octokit.paginate(
              octokit.rest.packages.getAllPackageVersionsForPackageOwnedByUser,
              { ...common, username: pkg.owner, per_page: 100 },
            );
      return new Map(versions.map((v) => [v.name, v.id]));
    } catch (err) {
      throw apiError(err, `list the versions of ${what}`, 'github-token', PACKAGES_FIX);
    }
  };

  return {
    name: 'GitHub Packages API',
    async deleteDigest(digest) {
      byDigest ??= await list();
      // A manifest written after the listing (the untag placeholder): list again once.
      if (!byDigest.has(digest)) byDigest = await list();
      const id = byDigest.get(digest);
      if (id === undefined) return false;
      try {
        if (pkg.ownerType === 'org') {
          await octokit.rest.packages.deletePackageVersionForOrg({
            ...common,
            org: pkg.owner,
            package_version_id: id,
          });
        } else {
          await octokit.rest.packages.deletePackageVersionForUser({
            ...common,
            username: pkg.owner,
            package_version_id: id,
          });
        }
      } catch (err) {
        if (statusOf(err) === 404) return false;
        throw apiError(
          err,
          `delete version ${id} (${digest}) of ${what}`,
          'github-token',
          PACKAGES_FIX,
        );
      }
      byDigest.delete(digest);
      return true;
    },
  };
}

const PACKAGES_FIX =
  'add `permissions: packages: write` to the job and give this repository Admin access to the package (package settings, Manage Actions access)';

function statusOf(err: unknown): number | undefined {
  const s = (err as { status?: unknown })?.status;
  return typeof s === 'number' ? s : undefined;
}
