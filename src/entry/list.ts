import * as core from '@actions/core';
import { createInputs } from '../github/inputs.js';
import { connect } from '../github/registry.js';
import { run } from '../github/run.js';
import { code, table, writeSummary } from '../github/summary.js';
import { listArtifacts } from '../pipeline/list.js';

await run(async () => {
  const inputs = createInputs();
  const summaryOn = inputs.boolean('summary', true); // read first: a bad value fails before any work
  const { repository, client } = connect(inputs);
  const artifacts = await listArtifacts(client, {
    semver: inputs.string('filter-semver'),
    regex: inputs.string('filter-regex'),
  });
  const listed = artifacts.map((a) => ({ ...a, url: `oci://${repository.name}:${a.tag}` }));
  core.setOutput('tags', listed.map((a) => a.tag).join('\n'));
  // `json` is an object in every entry point: the list is under `artifacts`.
  core.setOutput('json', JSON.stringify({ artifacts: listed }));
  for (const a of listed)
    core.info(`${repository.name}:${a.tag}\t${a.digest}\t${a.source ?? ''}\t${a.revision ?? ''}`);
  await writeSummary(
    summaryOn,
    `## Artifacts in ${code(repository.name)}\n\n${table(
      ['Tag', 'Digest', 'Source', 'Revision', 'Created'],
      listed.map((a) => [
        code(a.tag),
        code(a.digest),
        a.source ?? '',
        a.revision ? code(a.revision) : '',
        a.created ?? '',
      ]),
    )}`,
  );
});
