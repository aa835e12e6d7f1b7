import * as core from '@actions/core';
import { buildLayer } from '../artifact/index.js';
import { readDiffRule, readFluxFormat } from '../github/artifact-format.js';
import { readRef, refLabel } from '../github/artifact-ref.js';
import { contextFromEnv } from '../github/context.js';
import { createInputs } from '../github/inputs.js';
import { setOutputs } from '../github/outputs.js';
import { connect } from '../github/registry.js';
import { run } from '../github/run.js';
import { code, details, writeSummary } from '../github/summary.js';
import { ignorePatterns, reportSkipped, workspacePath } from '../github/tree-inputs.js';
import { diffTree } from '../pipeline/diff.js';
import { UserError } from '../util/errors.js';

await run(async () => {
  const inputs = createInputs();
  const summaryOn = inputs.boolean('summary', true); // read first: a bad value fails before any work
  const ctx = contextFromEnv();
  const { repository, client } = connect(inputs);
  const ref = readRef(inputs);
  const path = workspacePath(inputs, ctx);
  const format = readFluxFormat(inputs);
  const rule = readDiffRule(inputs);
  const options = {
    path,
    ignorePaths: ignorePatterns(inputs),
    resolveSymlinks: inputs.boolean('resolve-symlinks', false),
    workspace: ctx.workspace,
    tmpDir: process.env.RUNNER_TEMP,
  };
  const failOnChange = inputs.boolean('fail-on-change', false);
  const layer = await buildLayer({ ...options, gzip: format.gzip });
  await layer.cleanup();
  reportSkipped(layer.skipped);

  // Same layer digest, or (rule tar-content) the same uncompressed tar: another Flux line's
  // compressor alone does not make a change.
  const { remote, changed, files, decidedBy } = await diffTree(client, ref, options, layer, rule);
  const target = refLabel(repository, ref);
  if (!remote) core.info(`${target} does not exist: everything is new`);
  else if (changed) core.info(`the remote artifact contents differs from the local one`);
  else if (decidedBy === 'tar-content')
    core.info('no changes detected (same tar content; the layer was compressed differently)');
  else core.info('no changes detected');

  setOutputs({
    changed,
    digest: remote?.digest ?? '',
    'layer-digest': layer.digest,
    'decided-by': decidedBy,
    'flux-version': format.line,
    added: files.added,
    removed: files.removed,
    modified: files.modified,
  });
  const list = (title: string, items: string[]) =>
    items.length === 0
      ? ''
      : details(`${title} (${items.length})`, items.map((f) => `- ${code(f)}`).join('\n'));
  const sameFiles =
    changed && remote && files.added.length + files.removed.length + files.modified.length === 0;
  await writeSummary(
    summaryOn,
    `## Flux OCI diff: ${changed ? 'changed' : 'no changes'}\n\n` +
      `Local ${code(layer.digest)} (Flux ${format.line} format) vs ${code(target)}${remote ? ` (${code(remote.digest)})` : ' (not found)'}, decided by ${code(decidedBy)}\n\n` +
      (sameFiles
        ? 'The files are identical; only the archive bytes differ (e.g. another compressor).\n\n'
        : '') +
      list('Added', files.added) +
      list('Removed', files.removed) +
      list('Modified', files.modified),
  );
  if (changed && failOnChange) {
    throw new UserError(
      `the local contents differ from ${target} (fail-on-change: true)`,
      'fail-on-change',
    );
  }
});
