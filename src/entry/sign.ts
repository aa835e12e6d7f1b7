// First: a cosign key's scrypt starts while the rest loads (src/github/early-key.ts).
import '../github/early-key.js';
import * as core from '@actions/core';
import { refLabel } from '../github/artifact-ref.js';
import { contextFromEnv } from '../github/context.js';
import { createInputs } from '../github/inputs.js';
import { run } from '../github/run.js';
import {
  readSignInputs,
  reportSigned,
  signerFromInputs,
  signFailedOutputs,
} from '../github/sign.js';
import { signRef } from '../pipeline/sign.js';

// sign the digest the ref points at now (src/pipeline/sign.ts)
await run(async () => {
  const inputs = createInputs();
  const input = readSignInputs(inputs);
  const signer = signerFromInputs(inputs, contextFromEnv());
  core.info(`signing ${refLabel(input.connection.repository, input.ref)}`);
  const { manifest, signed } = await signRef(input.connection.client, input.ref, signer, {
    log: core.info,
    signFailed: (m) => signFailedOutputs(input, m),
  });
  await reportSigned(input, manifest, signed);
});
