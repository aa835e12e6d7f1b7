// First: a cosign key's scrypt starts while the rest loads (src/github/early-key.ts).
import '../github/early-key.js';
import { contextFromEnv } from '../github/context.js';
import { createInputs } from '../github/inputs.js';
import { publish, readPublishInputs } from '../github/publish.js';
import { run } from '../github/run.js';
import { signerFromInputs } from '../github/sign.js';

// build → (skip if unchanged) → push by digest → sign → tags (src/pipeline/publish.ts)
await run(async () => {
  const inputs = createInputs();
  const ctx = contextFromEnv();
  const publishInputs = readPublishInputs(inputs, ctx);
  await publish(publishInputs, ctx, async () =>
    publishInputs.sign ? signerFromInputs(inputs, ctx) : undefined,
  );
});
