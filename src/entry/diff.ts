import { refLabel } from '../github/artifact-ref.js';
import { contextFromEnv } from '../github/context.js';
import { readDiffInputs, reportDiff } from '../github/diff.js';
import { createInputs } from '../github/inputs.js';
import { run } from '../github/run.js';
import { reportSkipped } from '../github/tree-inputs.js';
import { diffLocal } from '../pipeline/diff.js';

// local tree vs the artifact at ref, as `flux diff artifact` decides (src/pipeline/diff.ts)
await run(async () => {
  const input = readDiffInputs(createInputs(), contextFromEnv());
  const { repository, client } = input.connection;
  const result = await diffLocal(client, input.ref, input.build, input.rule, (layer) =>
    reportSkipped(layer.skipped),
  );
  await reportDiff(input, refLabel(repository, input.ref), result);
});
