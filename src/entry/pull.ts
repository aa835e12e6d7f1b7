import { resolve } from 'node:path';
import * as core from '@actions/core';
import {
  CREATED_ANNOTATION,
  extractLayer,
  REVISION_ANNOTATION,
  SOURCE_ANNOTATION,
} from '../artifact/index.js';
import { readRef, refLabel } from '../github/artifact-ref.js';
import { contextFromEnv } from '../github/context.js';
import { createInputs, parseSize } from '../github/inputs.js';
import { setOutputs } from '../github/outputs.js';
import { workspacePath } from '../github/publish.js';
import { connect } from '../github/registry.js';
import { run } from '../github/run.js';
import { code, table, writeSummary } from '../github/summary.js';
import { firstLayer, manifestAnnotations } from '../pipeline/push.js';
import { UserError } from '../util/errors.js';

await run(async () => {
  const inputs = createInputs();
  const ctx = contextFromEnv();
  const { repository, client } = connect(inputs);
  const ref = readRef(inputs);
  const output = workspacePath(inputs, ctx, 'output');
  const maxBytes = parseSize(inputs.string('max-size') ?? '1GiB');
  const target = refLabel(repository, ref);
  const manifest = await client.getManifest(ref);
  const layer = firstLayer(manifest.bytes);
  if (!layer)
    throw new UserError(`artifact ${target} has no layers; it is not a Flux artifact`, 'ref');
  core.info(`pulling artifact from ${target}`);
  const result = await extractLayer(await client.fetchBlob(layer.digest), output, { maxBytes });
  const a = manifestAnnotations(manifest.bytes);
  core.info(
    `artifact content extracted to ${output} (${result.files} files, ${result.bytes} bytes)`,
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
    path: resolve(output),
    files: result.files,
  });
  await writeSummary(
    inputs.boolean('summary', true),
    `## Flux OCI artifact pulled\n\n${table(
      ['', ''],
      [
        ['Artifact', code(digestUrl)],
        ['Source', a[SOURCE_ANNOTATION] ?? ''],
        ['Revision', a[REVISION_ANNOTATION] ? code(a[REVISION_ANNOTATION]) : ''],
        ['Extracted to', `${code(output)}: ${result.files} files, ${result.bytes} bytes`],
      ],
    )}`,
  );
});
