import * as core from '@actions/core';
import { refLabel } from '../github/artifact-ref.js';
import { createInputs } from '../github/inputs.js';
import { promote, readPromoteInputs } from '../github/promote.js';
import { run } from '../github/run.js';

// resolve → verify → copy → sign → tags (src/pipeline/promote.ts)
await run(async () => {
  const input = await readPromoteInputs(createInputs());
  // What the step does, before the first request (as `flux tag artifact` starts).
  const label = refLabel(input.source.repository, input.ref);
  const tags = input.tags.join(', ');
  core.info(
    input.copyTo
      ? `copying ${label} to ${input.copyTo.repository.name} and tagging it ${tags}`
      : `tagging ${label} as ${tags}`,
  );
  await promote(input);
});
