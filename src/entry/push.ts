import { createInputs } from '../github/inputs.js';
import { publish } from '../github/publish.js';
import { run } from '../github/run.js';

await run(() => publish(createInputs()));
