import { createInputs } from '../github/inputs.js';
import { promote, readPromoteInputs } from '../github/promote.js';
import { run } from '../github/run.js';

// resolve → verify → copy → sign → tags (src/pipeline/promote.ts)
await run(async () => {
  const input = await readPromoteInputs(createInputs());
  await promote(input);
});
