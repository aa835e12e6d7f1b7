import * as core from '@actions/core';
import { buildLayer } from '../artifact/index.js';
import { readRef, refLabel } from '../github/artifact-ref.js';
import { contextFromEnv } from '../github/context.js';
import { createInputs } from '../github/inputs.js';
import { setOutputs } from '../github/outputs.js';
import { ignorePatterns, reportSkipped, workspacePath } from '../github/publish.js';
import { connect } from '../github/registry.js';
import { run } from '../github/run.js';
import { code, details, writeSummary } from '../github/summary.js';
import { diffTree } from '../pipeline/diff.js';
import { UserError } from '../util/errors.js';

await run(async () => {
  const inputs = createInputs();
  const ctx = contextFromEnv();
  const { repository, client } = connect(inputs);
  const ref = readRef(inputs);
  const path = workspacePath(inputs, ctx);
  const options = {
    path,
    ignorePaths: ignorePatterns(inputs),
    resolveSymlinks: inputs.boolean('resolve-symlinks', false),
    workspace: ctx.workspace,
    tmpDir: process.env.RUNNER_TEMP,
  };
  const failOnChange = inputs.boolean('fail-on-change', false);
  const layer = await buildLayer(options);
  await layer.cleanup();
  reportSkipped(layer.skipped);

  const { remote, changed, files } = await diffTree(client, ref, options, layer);
  const target = refLabel(repository, ref);
  if (!remote) core.info(`${target} does not exist: everything is new`);
  else if (changed) core.info(`the remote artifact contents differs from the local one`);
  else core.info('no changes detected');

  setOutputs({
    changed,
    digest: remote?.digest ?? '',
    'layer-digest': layer.digest,
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
    inputs.boolean('summary', true),
    `## Flux OCI diff: ${changed ? 'changed' : 'no changes'}\n\n` +
      `Local ${code(layer.digest)} vs ${code(target)}${remote ? ` (${code(remote.digest)})` : ' (not found)'}\n\n` +
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
