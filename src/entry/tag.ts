import { createInputs } from '../github/inputs.js';
import { promote } from '../github/promote.js';
import { run } from '../github/run.js';

// resolve → verify → copy → sign → tags (src/github/promote.ts)
await run(() => promote(createInputs()));
