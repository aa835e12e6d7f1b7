import { resolveDigest } from '../github/artifact-ref.js';
import { contextFromEnv } from '../github/context.js';
import { createInputs } from '../github/inputs.js';
import { run } from '../github/run.js';
import { readVerifyStepInputs, reportVerified } from '../github/verify.js';
import { verifyArtifact } from '../signing/verify/index.js';

// Flux's verification of the digest the ref resolves to (src/signing/verify/)
await run(async () => {
  const input = await readVerifyStepInputs(createInputs(), contextFromEnv());
  const { client } = input.connection;
  const digest = await resolveDigest(client, input.ref);
  const result = await verifyArtifact({
    client,
    digest,
    ...input.verify,
  });
  await reportVerified(input, digest, result);
});
