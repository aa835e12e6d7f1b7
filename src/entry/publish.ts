import { createInputs } from '../github/inputs.js';
import { publish } from '../github/publish.js';
import { run } from '../github/run.js';

// Signing joins here (build → push by digest → sign → tags) when src/signing lands.
await run(() => publish(createInputs()));
