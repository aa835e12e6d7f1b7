import { createInputs } from '../github/inputs.js';
import { publish } from '../github/publish.js';
import { run } from '../github/run.js';
import { signDigest, signingSetup } from '../github/signing.js';

// build → (skip if unchanged) → push by digest → sign → tags
await run(async () => {
  const inputs = createInputs();
  await publish(inputs, async (ctx) => {
    if (!inputs.boolean('sign', true)) return undefined;
    const setup = await signingSetup(inputs, ctx);
    return (client, digest, subject) => signDigest(client, digest, setup, subject);
  });
});
