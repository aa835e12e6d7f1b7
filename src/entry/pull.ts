import * as core from '@actions/core';
import {
  CREATED_ANNOTATION,
  DEFAULT_MAX_ENTRIES,
  firstLayer,
  manifestAnnotations,
  REVISION_ANNOTATION,
  SOURCE_ANNOTATION,
} from '../artifact/index.js';
import { installLayer, planOutput } from '../artifact/install.js';
import { readRef, refLabel } from '../github/artifact-ref.js';
import { contextFromEnv } from '../github/context.js';
import { createInputs, parseCount, parseSize } from '../github/inputs.js';
import { setOutputs } from '../github/outputs.js';
import { resolveUserPath } from '../github/paths.js';
import { connect } from '../github/registry.js';
import { run } from '../github/run.js';
import { code, table, writeSummary } from '../github/summary.js';
import { workspacePath } from '../github/tree-inputs.js';
import { describeError, UserError } from '../util/errors.js';

await run(async () => {
  const inputs = createInputs();
  const summaryOn = inputs.boolean('summary', true); // read first: a bad value fails before any work
  const ctx = contextFromEnv();
  const { repository, client } = connect(inputs);
  const ref = readRef(inputs);
  const given = inputs.required('output');
  const output = workspacePath(inputs, ctx, 'output');
  if (output === resolveUserPath('output', '.', { workspace: ctx.workspace }).path) {
    throw new UserError(
      `input output "${given}" is the workspace itself; give a new directory inside it, e.g. output: pulled`,
      'output',
    );
  }
  const maxBytes = parseSize(inputs.string('max-size') ?? '1GiB');
  const maxEntries = parseCount(inputs.string('max-entries'), 'max-entries', DEFAULT_MAX_ENTRIES);
  // Decided before anything is downloaded: a non-empty directory or a file is refused.
  const plan = await planOutput(output, given);
  const target = refLabel(repository, ref);
  const manifest = await client.getManifest(ref);
  const layer = firstLayer(manifest.bytes);
  if (!layer)
    throw new UserError(`artifact ${target} has no layers; it is not a Flux artifact`, 'ref');
  core.info(`pulling artifact from ${target}`);
  const limits = { maxBytes, maxEntries, expect: { digest: layer.digest, size: layer.size } };
  const result = await installLayer(
    () => client.fetchBlob(layer.digest),
    plan,
    limits,
    given,
  ).catch((err: unknown) => {
    if (err instanceof UserError) throw err;
    throw new UserError(
      `cannot pull layer ${layer.digest} of ${target}: ${describeError(err)}; nothing was extracted into output`,
    );
  });
  const a = manifestAnnotations(manifest.bytes);
  core.info(
    `artifact content extracted to ${given} (${result.files} files, ${result.bytes} bytes)`,
  );
  if (result.skippedLinks > 0)
    core.warning(`${result.skippedLinks} links in the artifact were not extracted`);
  const digestUrl = `${repository.name}@${manifest.digest}`;
  setOutputs({
    digest: manifest.digest,
    'digest-url': digestUrl,
    url: `oci://${digestUrl}`,
    repository: repository.name,
    source: a[SOURCE_ANNOTATION],
    revision: a[REVISION_ANNOTATION],
    created: a[CREATED_ANNOTATION],
    path: output,
    files: result.files,
  });
  await writeSummary(
    summaryOn,
    `## Flux OCI artifact pulled\n\n${table(
      ['', ''],
      [
        ['Artifact', code(digestUrl)],
        ['Source', a[SOURCE_ANNOTATION] ?? ''],
        ['Revision', a[REVISION_ANNOTATION] ? code(a[REVISION_ANNOTATION]) : ''],
        ['Extracted to', `${code(given)}: ${result.files} files, ${result.bytes} bytes`],
      ],
    )}`,
  );
});
