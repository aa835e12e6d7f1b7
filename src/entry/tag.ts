import * as core from '@actions/core';
import { readRef } from '../github/artifact-ref.js';
import { contextFromEnv, expandTag, provenance, tagVariables } from '../github/context.js';
import { createInputs } from '../github/inputs.js';
import { setOutputs } from '../github/outputs.js';
import { connect } from '../github/registry.js';
import { run } from '../github/run.js';
import { code, table, writeSummary } from '../github/summary.js';
import { parseTag } from '../oci/reference.js';
import { applyTags } from '../pipeline/tags.js';
import { UserError } from '../util/errors.js';

await run(async () => {
  const inputs = createInputs();
  const { repository, client } = connect(inputs);
  const ref = readRef(inputs);
  const vars = tagVariables(provenance(contextFromEnv()));
  const tags = inputs.list('tags')?.map((t) => parseTag(expandTag(t, vars), { input: 'tags' }));
  if (!tags || tags.length === 0)
    throw new UserError('input tags is required: list the tags to add', 'tags');
  const ifExists = inputs.choice('if-exists', ['overwrite', 'fail', 'skip'] as const, 'overwrite');

  if ((await client.headManifest(ref)) === undefined) {
    throw new UserError(
      `artifact ${repository.name}${ref.includes(':') ? '@' : ':'}${ref} not found; check repository and ref`,
      'ref',
    );
  }
  const manifest = await client.getManifest(ref);
  const result = await applyTags(client, manifest, tags, ifExists);
  for (const t of result.tags) core.info(`artifact tagged as ${repository.name}:${t}`);
  for (const s of result.skipped) core.warning(`tag ${s.tag} left at ${s.at} (if-exists: skip)`);

  const digestUrl = `${repository.name}@${manifest.digest}`;
  setOutputs({
    digest: manifest.digest,
    'digest-url': digestUrl,
    url: `oci://${digestUrl}`,
    repository: repository.name,
    tags: result.tags,
    moved: result.moved.map((m) => m.tag),
    skipped: result.skipped.map((s) => s.tag),
  });
  const rows = [
    ...result.tags.map((t) => [
      code(t),
      result.moved.find((m) => m.tag === t)
        ? `moved from ${code(result.moved.find((m) => m.tag === t)!.from)}`
        : 'points here',
    ]),
    ...result.skipped.map((s) => [code(s.tag), `skipped, stays at ${code(s.at)}`]),
  ];
  await writeSummary(
    inputs.boolean('summary', true),
    `## Flux OCI artifact tagged\n\n${code(digestUrl)}\n\n${table(['Tag', 'Result'], rows)}`,
  );
});
