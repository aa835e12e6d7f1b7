// cleanup@v1: on `pull_request: closed`, remove the PR's preview tag and, when no other tag uses
// its digest, the artifact and its signatures.
import * as core from '@actions/core';
import { parseTag } from '../oci/reference.js';
import {
  type CleanupResult,
  type DeleteBackend,
  planCleanup,
  registryBackend,
  runCleanup,
} from '../pipeline/cleanup.js';
import { UserError } from '../util/errors.js';
import { contextFromEnv } from './context.js';
import type { Inputs } from './inputs.js';
import { createOctokit } from './octokit.js';
import { setOutputs } from './outputs.js';
import { packagesBackend, resolvePackage } from './packages.js';
import { pullRequestOf } from './pull-request.js';
import { connect } from './registry.js';
import { code, table, writeSummary } from './summary.js';

const DELETE_APIS = ['auto', 'registry', 'github-packages'] as const;

export async function cleanup(inputs: Inputs): Promise<void> {
  const ctx = contextFromEnv();
  const { repository, client } = connect(inputs);
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

  // A fork's PR never published a preview (see publish), and its token could not delete one.
  if (!given && pr?.fromFork) {
    core.notice(
      `pull request #${pr.number} comes from the fork ${pr.headRepo ?? '(deleted)'}: no preview was published for it, nothing to clean up`,
    );
    setOutputs({ tag, action: 'skipped-fork', 'dry-run': dryRun });
    return;
  }

  const usePackages =
    api === 'github-packages' || (api === 'auto' && repository.registry === 'ghcr.io');
  let backend: DeleteBackend;
  if (usePackages) {
    const token = inputs.secret('github-token');
    if (!token) {
      throw new UserError(
        'input github-token is empty; the GitHub Packages API needs it (default: the job token, github.token)',
        'github-token',
      );
    }
    const octokit = await createOctokit(token);
    backend = packagesBackend(octokit, await resolvePackage(octokit, repository, ctx.event));
  } else {
    backend = registryBackend(client);
  }

  const plan = await planCleanup(client, tag);
  const result = await runCleanup(client, backend, plan, dryRun);
  report(result, repository.name, backend.name);
  const leftOver =
    result.action === 'delete' && !dryRun
      ? result.signatures.filter((s) => !result.deleted.includes(s.digest))
      : [];
  setOutputs({
    tag,
    digest: result.digest,
    action: result.action,
    'shared-with': result.sharedWith,
    deleted: dryRun ? [] : result.deleted,
    'would-delete': dryRun ? wouldDelete(result) : [],
    'dry-run': dryRun,
  });
  await writeSummary(
    inputs.boolean('summary', true),
    summary(result, repository.name, backend.name),
  );
  if (leftOver.length > 0) {
    core.warning(
      `${leftOver.length} signature manifests of ${result.digest} were already gone: ${leftOver.map((s) => s.ref).join(', ')}`,
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
