import { cleanup } from '../github/cleanup.js';
import { createInputs } from '../github/inputs.js';
import { run } from '../github/run.js';

// pull_request closed: remove pr-N, and the artifact with its signatures when nothing else uses it
await run(() => cleanup(createInputs()));
