import { relative } from 'node:path';
import * as core from '@actions/core';
import { refLabel } from '../github/artifact-ref.js';
import { contextFromEnv } from '../github/context.js';
import { readDiffInputs, reportDiff } from '../github/diff.js';
import { createInputs } from '../github/inputs.js';
import { run } from '../github/run.js';
import { reportSkipped } from '../github/tree-inputs.js';
import { diffLocal } from '../pipeline/diff.js';

// local tree vs the artifact at ref, as `flux diff artifact` decides (src/pipeline/diff.ts)
await run(async () => {
  const ctx = contextFromEnv();
  const input = readDiffInputs(createInputs(), ctx);
  const { repository, client } = input.connection;
  const label = refLabel(repository, input.ref);
  core.info(`comparing ${relative(ctx.workspace, input.build.path) || '.'} with ${label}`);
  const result = await diffLocal(client, input.ref, input.build, input.rule, (layer) =>
    reportSkipped(layer.skipped),
  );
  await reportDiff(input, label, result);
});
