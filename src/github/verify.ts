// The GitHub side of verify@v1: its inputs read once into VerifyStepInputs; the log, outputs and
// summary of a verification, and the failure fail-on-unverified asks for.
import * as core from '@actions/core';
import type { VerifyResult } from '../signing/verify/index.js';
import { UserError } from '../util/errors.js';
import { type ArtifactInputs, readArtifactInputs, refLabel } from './artifact-ref.js';
import type { WorkflowContext } from './context.js';
import type { Inputs } from './inputs.js';
import { setOutputs } from './outputs.js';
import { verifyReason } from './signing-errors.js';
import { code, table, writeSummary } from './summary.js';
import { readVerifyInputs, type VerifyInputs } from './verify-inputs.js';

export interface VerifyStepInputs extends ArtifactInputs {
  verify: VerifyInputs;
  failOnUnverified: boolean;
}

/** Reads verify@v1's inputs once; logs the step's first line (what it verifies) on the way. */
export async function readVerifyStepInputs(
  inputs: Inputs,
  ctx: WorkflowContext,
): Promise<VerifyStepInputs> {
  const artifact = readArtifactInputs(inputs);
  // The step's first line, as soon as it is known what is verified: parsing and compiling the
  // identities (YAML, Go regexps through re2js) comes after it, then the first request.
  core.info(`verifying the signature of ${refLabel(artifact.connection.repository, artifact.ref)}`);
  const verify = await readVerifyInputs(inputs, ctx.workspace);
  const failOnUnverified = inputs.boolean('fail-on-unverified', true);
  return { ...artifact, verify, failOnUnverified };
}

export async function reportVerified(
  input: VerifyStepInputs,
  digest: string,
  result: VerifyResult,
): Promise<void> {
  for (const w of result.warnings) core.warning(w);
  const target = `${input.connection.repository.name}@${digest}`;
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
  await writeSummary(input.summary, `## Flux OCI verify\n\n${table(['', ''], rows)}`);
  if (!result.verified && input.failOnUnverified) {
    throw new UserError(`${target} is not verified: ${verifyReason(result)}`);
  }
}
