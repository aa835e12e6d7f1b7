// The GitHub side of cleanup@v1 (on `pull_request: closed`): its inputs read once into
// CleanupInputs, the delete backend chosen (GitHub's Packages API for ghcr.io), outputs, log and
// summary. The flow (plan, then delete the tag, and the artifact with its signatures when no other
// tag uses it) is `cleanupPreview()` in src/pipeline/cleanup.ts.
import * as core from '@actions/core';
import { parseTag, type Repository } from '../oci/reference.js';
import {
  type CleanupResult,
  cleanupPreview,
  type DeleteBackend,
  registryBackend,
} from '../pipeline/cleanup.js';
import { UserError } from '../util/errors.js';
import { contextFromEnv, type WorkflowContext } from './context.js';
import type { Inputs } from './inputs.js';
import { createOctokit } from './octokit.js';
import { setOutputs } from './outputs.js';
import { packagesBackend, resolvePackage } from './packages.js';
import { type PullRequestInfo, pullRequestOf } from './pull-request.js';
import { type Connection, connect } from './registry.js';
import { code, table, writeSummary } from './summary.js';

const DELETE_APIS = ['auto', 'registry', 'github-packages'] as const;

interface CleanupInputs {
  connection: Connection;
  /** The preview tag: the `tag` input, else `pr-<number>` of the event's pull request. */
  tag: string;
  /** True when the tag came from the event (no `tag` input). */
  fromEvent: boolean;
  dryRun: boolean;
  summary: boolean;
  /** Token for the Packages API; set exactly when that API is used. */
  packagesToken: string | undefined;
  pr: PullRequestInfo | undefined;
}

function readCleanupInputs(inputs: Inputs, ctx: WorkflowContext): CleanupInputs {
  const connection = connect(inputs);
  const pr = pullRequestOf(ctx);
  const given = inputs.string('tag');
  if (!given && !pr) {
    throw new UserError(
      `there is no pull request in the "${ctx.eventName || 'unknown'}" event to take the tag from; set the tag input (e.g. tag: pr-123)`,
      'tag',
    );
  }
  const tag = parseTag(given ?? `pr-${pr?.number}`, { input: 'tag' });
  const dryRun = inputs.boolean('dry-run', false);
  const api = inputs.string('delete-api') ?? 'auto';
  if (!(DELETE_APIS as readonly string[]).includes(api)) {
    throw new UserError(
      `input delete-api must be one of ${DELETE_APIS.join(', ')}, got "${api}"`,
      'delete-api',
    );
  }
  const usePackages =
    api === 'github-packages' || (api === 'auto' && connection.repository.registry === 'ghcr.io');
  let packagesToken: string | undefined;
  if (usePackages) {
    packagesToken = inputs.secret('github-token');
    if (!packagesToken) {
      throw new UserError(
        'input github-token is empty; the GitHub Packages API needs it (default: the job token, github.token)',
        'github-token',
      );
    }
  }
  return {
    connection,
    tag,
    fromEvent: !given,
    dryRun,
    summary: inputs.boolean('summary', true),
    packagesToken,
    pr,
  };
}

async function deleteBackend(
  input: CleanupInputs,
  repository: Repository,
  event: WorkflowContext['event'],
): Promise<DeleteBackend> {
  if (input.packagesToken === undefined) return registryBackend(input.connection.client);
  const octokit = await createOctokit(input.packagesToken);
  return packagesBackend(octokit, await resolvePackage(octokit, repository, event));
}

export async function cleanup(inputs: Inputs): Promise<void> {
  const ctx = contextFromEnv();
  const input = readCleanupInputs(inputs, ctx);
  const { tag, dryRun, pr } = input;
  const { repository, client } = input.connection;

  // A fork's PR never published a preview (see publish), and its token could not delete one.
  if (input.fromEvent && pr?.fromFork) {
    core.notice(
      `pull request #${pr.number} comes from the fork ${pr.headRepo ?? '(deleted)'}: no preview was published for it, nothing to clean up`,
    );
    setOutputs({ tag, action: 'skipped-fork', 'dry-run': dryRun });
    return;
  }

  const backend = await deleteBackend(input, repository, ctx.event);
  const result = await cleanupPreview(client, backend, tag, dryRun);
  report(result, repository.name, backend.name);
  setOutputs({
    tag,
    digest: result.digest,
    action: result.action,
    'shared-with': result.sharedWith,
    deleted: dryRun ? [] : result.deleted,
    'would-delete': dryRun ? wouldDelete(result) : [],
    'dry-run': dryRun,
  });
  await writeSummary(input.summary, summary(result, repository.name, backend.name));
  const gone = result.alreadyGone;
  if (gone.length > 0) {
    core.warning(
      `${gone.length} signature manifests of ${result.digest} were already gone: ${gone.map((s) => s.ref).join(', ')}`,
    );
  }
}

function wouldDelete(r: CleanupResult): string[] {
  if (r.action !== 'delete' || !r.digest) return [];
  return [r.digest, ...r.signatures.map((s) => s.digest)];
}

function report(r: CleanupResult, repo: string, via: string): void {
  const would = r.dryRun ? 'dry run: would ' : '';
  if (r.action === 'absent') {
    core.info(`${repo}:${r.tag} does not exist: nothing to clean up`);
  } else if (r.action === 'untag') {
    core.info(
      `${would}remove only the tag ${repo}:${r.tag}: ${r.digest} is also tagged ${r.sharedWith.join(', ')}, so it and its signatures stay`,
    );
  } else {
    core.info(
      `${would}delete ${repo}@${r.digest} (tag ${r.tag}) and ${r.signatures.length} signature manifests through the ${via}`,
    );
    for (const s of r.signatures) core.info(`  ${would}delete ${s.kind} ${s.ref} (${s.digest})`);
  }
}

function summary(r: CleanupResult, repo: string, via: string): string {
  const verb = r.dryRun ? 'would be deleted (dry run)' : 'deleted';
  const head = `## Flux OCI preview cleanup: ${code(`${repo}:${r.tag}`)}\n\n`;
  if (r.action === 'absent') return `${head}The tag does not exist; nothing ${verb}.\n`;
  if (r.action === 'untag') {
    return (
      `${head}Only the tag ${verb}: ${code(r.digest ?? '')} is also tagged ${r.sharedWith.map(code).join(' ')}, ` +
      'so the artifact and its signatures stay.\n'
    );
  }
  const rows = [
    ['artifact', code(r.tag), code(r.digest ?? '')],
    ...r.signatures.map((s) => [s.kind, code(s.ref), code(s.digest)]),
  ];
  return `${head}These manifests ${verb} through the ${via}:\n\n${table(['What', 'Tag or ref', 'Digest'], rows)}`;
}
