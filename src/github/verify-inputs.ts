import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { IdentityMatcher } from '../signing/verify/index.js';
import { UserError } from '../util/errors.js';
import { parseIdentities } from './identities.js';
import type { Inputs } from './inputs.js';

/** What `verifyArtifact` needs from the verify inputs, named as in verify/action.yml. */
export interface VerifyInputs {
  identities: IdentityMatcher[];
  publicKey?: string;
  trustedRoot?: string;
}

/** Input names for `verifyArtifact`'s messages. */
export const VERIFY_INPUT_NAMES = {
  identities: 'match-oidc-identity',
  publicKey: 'public-key',
  trustedRoot: 'trusted-root',
} as const;

/**
 * Reads `match-oidc-identity`, `public-key` and `trusted-root` (a path relative to the workspace),
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
  const trustedRoot = await readTrustedRoot(inputs, workspace);
  return {
    identities,
    ...(publicKey ? { publicKey } : {}),
    ...(trustedRoot ? { trustedRoot } : {}),
  };
}

/** Reads the `trusted-root` input (a trusted_root.json path relative to the workspace), if set. */
export async function readTrustedRoot(
  inputs: Inputs,
  workspace: string,
): Promise<string | undefined> {
  const rootPath = inputs.string('trusted-root');
  if (!rootPath) return undefined;
  try {
    return await readFile(resolve(workspace, rootPath), 'utf8');
  } catch {
    throw new UserError(
      `input trusted-root: cannot read ${rootPath}; give the path of a trusted_root.json`,
      'trusted-root',
    );
  }
}
