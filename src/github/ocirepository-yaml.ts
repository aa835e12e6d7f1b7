// The summary's ready-to-paste OCIRepository whose verify block matches exactly the signature a
// step stored (keyless: matchOIDCIdentity with the certificate's identity as RE2 literals; key:
// secretRef; a private Sigstore: its trusted-root Secret), rendered with the `yaml` package.
import { exactIdentity } from './identities.js';
import type { SignedWith } from './signing.js';
import { code } from './summary.js';

const FLUX_VERSIONS: Record<string, string> = {
  'cosign-v2': 'every Flux version with OCIRepository verification',
  'cosign-v3': 'Flux v2.8 and later (source-controller v1.8)',
};

/** A Kubernetes object name (RFC 1123 label) from the repository's last path segment. */
function objectName(repository: string): string {
  const last = repository.split('/').pop() ?? '';
  const name = last
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/, '');
  return name || 'artifact';
}

const TRUSTED_ROOT_SECRET = 'sigstore-trusted-root';

/** The Secret a private Sigstore's clusters need (Flux 2.9+: `verify.trustedRootSecretRef`). */
function privateSigstoreNote(result: SignedWith): string {
  if (!result.privateSigstore || !result.certificateIdentity) return '';
  const path = result.privateSigstore.trustedRootPath;
  const file = path ?? 'trusted_root.json';
  const where = path
    ? `the trusted root this step verified the signature against (${code(path)})`
    : `your Sigstore's trusted root (set ${code('trusted-root')} to have each signature checked against it)`;
  return `Signed with a private Sigstore: store ${where} in the cluster first (Flux 2.9+; Flux takes the Rekor URL from its transparency log's ${code('baseUrl')}):\n\n\`\`\`sh\nkubectl -n flux-system create secret generic ${TRUSTED_ROOT_SECRET} --from-file=trusted_root.json=${file}\n\`\`\`\n\n`;
}

/**
 * The OCIRepository (as data) whose verify block matches exactly this signature; kept a plain
 * object so a variant (e.g. a trusted-root secret) is one more field, not more string building.
 */
function ociRepositoryObject(repository: string, tag: string | undefined, result: SignedWith) {
  const keyless = Boolean(result.certificateIdentity && result.certificateOidcIssuer);
  return {
    apiVersion: 'source.toolkit.fluxcd.io/v1',
    kind: 'OCIRepository',
    metadata: { name: objectName(repository), namespace: 'flux-system' },
    spec: {
      interval: '5m',
      url: `oci://${repository}`,
      ref: { tag: tag ?? 'latest' },
      verify: {
        provider: 'cosign',
        ...(keyless
          ? {
              matchOIDCIdentity: [
                exactIdentity(result.certificateOidcIssuer ?? '', result.certificateIdentity ?? ''),
              ],
              ...(result.privateSigstore
                ? { trustedRootSecretRef: { name: TRUSTED_ROOT_SECRET } }
                : {}),
            }
          : { secretRef: { name: 'cosign-pub' } }),
      },
    },
  };
}

/** The last YAML rendered, by what it was rendered from (see ociRepositoryYaml). */
let rendered: { key: string; yaml: Promise<string> } | undefined;

/**
 * A ready-to-paste OCIRepository (YAML from the `yaml` package, loaded here only) for the summary.
 * Remembered by what it is made of: publish renders it from `expectedSigned` while the signature
 * settles (the first stringify compiles much of the package: ~10 ms), and the summary, written
 * once the tags moved, takes it from there when the signature says the same.
 */
export function ociRepositoryYaml(
  repository: string,
  tag: string | undefined,
  result: SignedWith,
): Promise<string> {
  const key = JSON.stringify([
    repository,
    tag,
    result.formats,
    result.certificateIdentity,
    result.certificateOidcIssuer,
    result.privateSigstore,
  ]);
  if (rendered?.key !== key) {
    const yaml = renderOciRepositoryYaml(repository, tag, result);
    yaml.catch(() => {});
    rendered = { key, yaml };
  }
  return rendered.yaml;
}

async function renderOciRepositoryYaml(
  repository: string,
  tag: string | undefined,
  result: SignedWith,
): Promise<string> {
  const { Document, isScalar } = await import('../util/yaml.js');
  const doc = new Document(ociRepositoryObject(repository, tag, result));
  const secret = doc.getIn(['spec', 'verify', 'secretRef', 'name'], true);
  if (isScalar(secret)) {
    secret.comment =
      ' kubectl -n flux-system create secret generic cosign-pub --from-file=cosign.pub';
  }
  const yaml = doc.toString({ lineWidth: 0 });
  const formats = result.formats.map((f) => `- ${code(f)}: ${FLUX_VERSIONS[f]}`).join('\n');
  return `### Verify it in your cluster\n\n${privateSigstoreNote(result)}\`\`\`yaml\n${yaml}\`\`\`\n\nSignature formats stored:\n${formats}\n`;
}
