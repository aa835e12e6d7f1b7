// The one place a thrown value becomes the line a user sees: a `UserError` is already worded;
// domain errors (code + data) are worded by registry-errors.ts, signing-errors.ts and
// artifact-errors.ts.
import { ArtifactError } from '../artifact/errors.js';
import { NotFoundError, OciError, RegistryAuthError } from '../oci/errors.js';
import { PipelineError } from '../pipeline/errors.js';
import { SigningError } from '../signing/errors.js';
import { CodedError, UserError } from '../util/errors.js';
import { artifactFailureMessage, artifactInput } from './artifact-errors.js';
import { pipelineFailureMessage, pipelineInput } from './pipeline-errors.js';
import { authInput, ociInput, registryFailureMessage } from './registry-errors.js';
import { signingFailureMessage, signingInput } from './signing-errors.js';

/** One line naming the input or registry at fault and the fix; undefined for anything else (a bug). */
export function failureMessage(err: unknown): string | undefined {
  if (err instanceof UserError) return err.message;
  return (
    registryFailureMessage(err) ??
    signingFailureMessage(err) ??
    artifactFailureMessage(err) ??
    pipelineFailureMessage(err)
  );
}

/**
 * True for what the user (an input, the artifact, credentials, a missing tag) is to fix, as
 * opposed to a registry or the network failing: what `UserError` alone meant before domain errors
 * became data.
 */
export function isUserFault(err: unknown): boolean {
  return (
    err instanceof UserError ||
    err instanceof CodedError ||
    err instanceof RegistryAuthError ||
    err instanceof NotFoundError
  );
}

/** The action input a failure is fixed in, when there is one. */
export function failureInput(err: unknown): string | undefined {
  if (err instanceof UserError) return err.input;
  if (err instanceof OciError) return ociInput(err.data);
  if (err instanceof RegistryAuthError) return authInput(err.data);
  if (err instanceof SigningError) return signingInput(err.data);
  if (err instanceof ArtifactError) return artifactInput(err.data);
  if (err instanceof PipelineError) return pipelineInput(err.data);
  return undefined;
}
