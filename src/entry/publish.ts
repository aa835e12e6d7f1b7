import { contextFromEnv } from '../github/context.js';
import { createInputs } from '../github/inputs.js';
import { publish, readPublishInputs } from '../github/publish.js';
import { run } from '../github/run.js';
import { signDigest, signingSetup } from '../github/signing.js';

// build → (skip if unchanged) → push by digest → sign → tags (src/pipeline/publish.ts)
await run(async () => {
  const inputs = createInputs();
  const ctx = contextFromEnv();
  const publishInputs = readPublishInputs(inputs, ctx);
  await publish(publishInputs, ctx, async () => {
    if (!publishInputs.sign) return undefined;
    const setup = await signingSetup(inputs, ctx);
    return (client, digest, subject) => signDigest(client, digest, setup, subject);
  });
});
