import * as core from '@actions/core';
import { readRef, resolveDigest } from '../github/artifact-ref.js';
import { contextFromEnv } from '../github/context.js';
import { createInputs } from '../github/inputs.js';
import { setOutputs } from '../github/outputs.js';
import { connect } from '../github/registry.js';
import { run } from '../github/run.js';
import { verifyReason } from '../github/signing-errors.js';
import { code, table, writeSummary } from '../github/summary.js';
import { readVerifyInputs } from '../github/verify-inputs.js';
import { verifyArtifact } from '../signing/verify/index.js';
import { UserError } from '../util/errors.js';

await run(async () => {
  const inputs = createInputs();
  const summaryOn = inputs.boolean('summary', true); // read first: a bad value fails before any work
  const ctx = contextFromEnv();
  const { repository, client } = connect(inputs);
  const ref = readRef(inputs);
  const verifyInputs = await readVerifyInputs(inputs, ctx.workspace);
  const failOnUnverified = inputs.boolean('fail-on-unverified', true);

  // Flux verifies the digest the tag resolves to.
  const digest = await resolveDigest(client, ref);
  const result = await verifyArtifact({
    client,
    digest,
    ...verifyInputs,
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
    'verify-rule': result.rule,
    'flux-verified': result.fluxVerified,
    'certificate-identity': result.identity?.subject,
    'certificate-oidc-issuer': result.identity?.issuer,
    digest,
    reason: result.verified ? undefined : verifyReason(result),
  });
  const rows = [
    ['Artifact', code(target)],
    ['Verified', result.verified ? 'yes' : `**no**: ${verifyReason(result)}`],
    ['Format (as Flux decides)', code(result.format)],
    ['Rule that decided', code(result.rule)],
  ];
  if (result.fluxVerified !== result.verified)
    rows.push(['Flux would answer', result.fluxVerified ? 'verified' : 'not verified']);
  if (result.singleIdentity)
    rows.push([
      'Single identity for Flux',
      code(`issuer: ${result.singleIdentity.issuer} subject: ${result.singleIdentity.subject}`),
    ]);
  if (result.identity)
    rows.push(
      ['Identity', code(result.identity.subject)],
      ['Issuer', code(result.identity.issuer)],
    );
  await writeSummary(summaryOn, `## Flux OCI verify\n\n${table(['', ''], rows)}`);
  if (!result.verified && failOnUnverified) {
    throw new UserError(`${target} is not verified: ${verifyReason(result)}`);
  }
});
