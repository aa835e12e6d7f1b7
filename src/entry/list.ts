import * as core from '@actions/core';
import { createInputs } from '../github/inputs.js';
import { readListInputs, reportListed } from '../github/list.js';
import { run } from '../github/run.js';
import { listArtifacts } from '../pipeline/list.js';

// the artifacts of a repository, like `flux list artifacts` (src/pipeline/list.ts)
await run(async () => {
  const input = readListInputs(createInputs());
  core.info(`listing the artifacts in ${input.connection.repository.name}`);
  await reportListed(input, await listArtifacts(input.connection.client, input.filter));
});
