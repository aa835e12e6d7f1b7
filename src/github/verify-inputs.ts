import { readFile } from 'node:fs/promises';
import type { IdentityMatcher } from '../signing/verify/index.js';
import { COPIED_SIGNATURE_POLICIES, type CopiedSignaturePolicy } from '../signing/verify/policy.js';
import { UserError } from '../util/errors.js';
import { parseIdentities } from './identities.js';
import type { Inputs } from './inputs.js';
import { fsReason, resolveUserPath } from './paths.js';

/** What `verifyArtifact` needs from the verify inputs, named as in verify/action.yml. */
export interface VerifyInputs {
  identities: IdentityMatcher[];
  /** The PEM blocks of `public-key`: each one is a key, like each `*.pub` of a Flux Secret. */
  publicKeys?: string[];
  trustedRoot?: string;
  copiedSignature: CopiedSignaturePolicy;
}

/** Splits a `public-key` input into its PEM blocks (text without one is returned as is). */
export function splitPublicKeys(text: string): string[] {
  const blocks = text.match(/-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g);
  return blocks && blocks.length > 0 ? blocks.map((b) => `${b}\n`) : [text];
}

/**
 * Reads `match-oidc-identity`, `public-key` (one or more PEM keys), `copied-signature` and `trusted-root` (a path relative to the workspace),
 * shared by the verify and tag entry points. One of the first two is required.
 */
export async function readVerifyInputs(inputs: Inputs, workspace: string): Promise<VerifyInputs> {
  const publicKey = inputs.string('public-key');
  const identityText = inputs.string('match-oidc-identity');
  if (!publicKey && !identityText) {
    throw new UserError(
      'give match-oidc-identity (keyless, as in your OCIRepository) or public-key (cosign.pub) to verify against',
      'match-oidc-identity',
    );
  }
  const identities = identityText ? await parseIdentities(identityText) : [];
  if (identities.length > 0) {
    // Compiled now so that a bad regexp fails before any registry request (loaded on demand).
    const { compileIdentities } = await import('../signing/verify/identity.js');
    await compileIdentities(identities);
  }
  const trustedRoot = await readTrustedRoot(inputs, workspace);
  const copiedSignature = inputs.choice('copied-signature', COPIED_SIGNATURE_POLICIES, 'fail');
  return {
    identities,
    ...(publicKey ? { publicKeys: splitPublicKeys(publicKey) } : {}),
    ...(trustedRoot ? { trustedRoot } : {}),
    copiedSignature,
  };
}

/** Reads the `trusted-root` input (a trusted_root.json path relative to the workspace), if set. */
export async function readTrustedRoot(
  inputs: Inputs,
  workspace: string,
): Promise<string | undefined> {
  const rootPath = inputs.string('trusted-root');
  if (!rootPath) return undefined;
  const file = resolveUserPath('trusted-root', rootPath, {
    workspace,
    runnerTemp: process.env.RUNNER_TEMP,
  });
  let text: string;
  try {
    text = await readFile(file.path, 'utf8');
  } catch (err) {
    throw new UserError(
      `input trusted-root: cannot read ${rootPath} (${fsReason(err)}); give the path of a trusted_root.json`,
      'trusted-root',
    );
  }
  try {
    JSON.parse(text);
  } catch {
    // Checked now: with signing it would otherwise fail only after the signature is stored.
    throw new UserError(
      `input trusted-root: ${rootPath} is not JSON; give the path of a trusted_root.json (e.g. from cosign trusted-root create)`,
      'trusted-root',
    );
  }
  return text;
}
