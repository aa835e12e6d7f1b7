import { contextFromEnv } from '../github/context.js';
import { createInputs } from '../github/inputs.js';
import { publish, readPublishInputs } from '../github/publish.js';
import { run } from '../github/run.js';

// publish without signing (src/pipeline/publish.ts)
await run(async () => {
  const ctx = contextFromEnv();
  await publish(readPublishInputs(createInputs(), ctx), ctx);
});
