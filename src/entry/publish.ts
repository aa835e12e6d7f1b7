import { createInputs } from '../github/inputs.js';
import { publish, type SignStep } from '../github/publish.js';
import { run } from '../github/run.js';
import { signDigest, signingSetup } from '../github/signing.js';

// build → (skip if unchanged) → push by digest → sign → tags
await run(async () => {
  const inputs = createInputs();
  await publish(inputs, async (ctx) => {
    if (!inputs.boolean('sign', true)) return undefined;
    const setup = await signingSetup(inputs, ctx);
    const step: SignStep = (client, digest, subject) => signDigest(client, digest, setup, subject);
    step.warmUp = () => setup.signer.warmUp?.();
    return step;
  });
});
