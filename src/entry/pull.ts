import * as core from '@actions/core';
import { refLabel } from '../github/artifact-ref.js';
import { contextFromEnv } from '../github/context.js';
import { createInputs } from '../github/inputs.js';
import { pullFailure, readPullInputs, reportPulled } from '../github/pull.js';
import { run } from '../github/run.js';
import { pullArtifact } from '../pipeline/pull.js';

// manifest → first layer → atomic install into output (src/pipeline/pull.ts)
await run(async () => {
  const input = readPullInputs(createInputs(), contextFromEnv());
  const { repository, client } = input.connection;
  const label = refLabel(repository, input.ref);
  const pulled = await pullArtifact(
    client,
    input.ref,
    { ...input, label },
    core.info,
    pullFailure(label),
  );
  await reportPulled(input, pulled);
});
