// The GitHub side of sign@v1 (and of publish@v1's signing step): the signer from the signing
// inputs, and the outputs and summary of a signature.

import { isDigest } from '../oci/reference.js';
import type { FetchedManifest } from '../oci/types.js';
import type { SignStep } from '../pipeline/sign.js';
import { type ArtifactInputs, readArtifactInputs } from './artifact-ref.js';
import type { WorkflowContext } from './context.js';
import type { Inputs } from './inputs.js';
import { ociRepositoryYaml } from './ocirepository-yaml.js';
import { setOutputs } from './outputs.js';
import { expectedSigned, type SignedWith, signDigest, signingSetup } from './signing.js';
import { code, table, writeSummary } from './summary.js';

/** sign@v1's own inputs; the signing inputs are read by signingSetup (src/github/signing.ts). */
export type SignInputs = ArtifactInputs;

export const readSignInputs: (inputs: Inputs) => SignInputs = readArtifactInputs;

/** Reads and checks the signing inputs (OIDC token, key, consent) and returns the signer. */
export async function signerFromInputs(
  inputs: Inputs,
  ctx: WorkflowContext,
): Promise<SignStep<SignedWith>> {
  const setup = await signingSetup(inputs, ctx);
  const step: SignStep<SignedWith> = (client, digest, subject, stored) =>
    signDigest(client, digest, setup, subject, stored);
  step.warmUp = async (signal) => setup.signer.warmUp?.(signal);
  if (setup.ready) step.ready = setup.ready;
  step.expected = () => expectedSigned(setup);
  return step;
}

/** Not confirmed stored: say so in the outputs too, not only in the failed step. */
export function signFailedOutputs(input: SignInputs, manifest: FetchedManifest): void {
  const repository = input.connection.repository;
  setOutputs({
    digest: manifest.digest,
    'digest-url': `${repository.name}@${manifest.digest}`,
    repository: repository.name,
    signed: false,
  });
}

export async function reportSigned(
  input: SignInputs,
  manifest: FetchedManifest,
  result: SignedWith,
): Promise<void> {
  const { repository } = input.connection;
  const digestUrl = `${repository.name}@${manifest.digest}`;
  setOutputs({
    digest: manifest.digest,
    'digest-url': digestUrl,
    repository: repository.name,
    signed: true,
    'signature-format': result.formats,
    'certificate-identity': result.certificateIdentity,
    'certificate-oidc-issuer': result.certificateOidcIssuer,
    'public-key': result.publicKey,
    'bundle-path': result.bundlePath,
  });
  const rows = [
    ['Artifact', code(digestUrl)],
    ['Formats', result.formats.map(code).join(' ')],
  ];
  if (result.certificateIdentity) rows.push(['Identity', code(result.certificateIdentity)]);
  if (result.certificateOidcIssuer) rows.push(['Issuer', code(result.certificateOidcIssuer)]);
  const ref = input.ref;
  await writeSummary(
    input.summary,
    `## Flux OCI artifact signed\n\n${table(['', ''], rows)}\n${await ociRepositoryYaml(repository.name, isDigest(ref) ? undefined : ref, result)}`,
  );
}
