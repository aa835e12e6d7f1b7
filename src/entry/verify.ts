import * as core from '@actions/core';
import { readRef, resolveDigest } from '../github/artifact-ref.js';
import { contextFromEnv } from '../github/context.js';
import { createInputs } from '../github/inputs.js';
import { setOutputs } from '../github/outputs.js';
import { connect } from '../github/registry.js';
import { run } from '../github/run.js';
import { code, table, writeSummary } from '../github/summary.js';
import { readVerifyInputs, VERIFY_INPUT_NAMES } from '../github/verify-inputs.js';
import { verifyArtifact } from '../signing/verify/index.js';
import { UserError } from '../util/errors.js';

await run(async () => {
  const inputs = createInputs();
  const summaryOn = inputs.boolean('summary', true); // read first: a bad value fails before any work
  const ctx = contextFromEnv();
  const { repository, client } = connect(inputs);
  const ref = readRef(inputs);
  const { identities, publicKey, trustedRoot } = await readVerifyInputs(inputs, ctx.workspace);
  const failOnUnverified = inputs.boolean('fail-on-unverified', true);

  // Flux verifies the digest the tag resolves to.
  const digest = await resolveDigest(client, ref);
  const result = await verifyArtifact({
    client,
    digest,
    identities,
    publicKey,
    trustedRoot,
    inputs: VERIFY_INPUT_NAMES,
  });
  for (const w of result.warnings) core.warning(w);
  const target = `${repository.name}@${digest}`;
  if (result.verified) {
    core.info(
      `verified ${target} (${result.format}${result.identity ? `, ${result.identity.subject}` : ''})`,
    );
  }
  setOutputs({
    verified: result.verified,
    'signature-format': result.format,
    'certificate-identity': result.identity?.subject,
    'certificate-oidc-issuer': result.identity?.issuer,
    digest,
    reason: result.reason,
  });
  const rows = [
    ['Artifact', code(target)],
    ['Verified', result.verified ? 'yes' : `**no**: ${result.reason ?? ''}`],
    ['Format (as Flux decides)', code(result.format)],
  ];
  if (result.identity)
    rows.push(
      ['Identity', code(result.identity.subject)],
      ['Issuer', code(result.identity.issuer)],
    );
  await writeSummary(summaryOn, `## Flux OCI verify\n\n${table(['', ''], rows)}`);
  if (!result.verified && failOnUnverified) {
    throw new UserError(`${target} is not verified: ${result.reason ?? 'no matching signature'}`);
  }
});
