// The pieces keyless signing needs on loopback, started together: a fake GitHub OIDC endpoint
// (reached through ACTIONS_ID_TOKEN_REQUEST_URL/_TOKEN, as on a runner) and a Sigstore stack whose
// Fulcio trusts exactly that endpoint's tokens.
import {
  type FakeGitHubOIDC,
  GITHUB_OIDC_ISSUER,
  type GitHubOIDCOptions,
  startGitHubOIDC,
} from './github-oidc.js';
import { type SigstoreStack, startSigstoreStack } from './sigstore-stack.js';

export interface Keyless {
  oidc: FakeGitHubOIDC;
  stack: SigstoreStack;
  /** Inputs that point publish/sign/tag at the stack. */
  inputs: { 'fulcio-url': string; 'rekor-url': string };
  stop(): Promise<void>;
}

export async function startKeyless(run: GitHubOIDCOptions = {}): Promise<Keyless> {
  const oidc = await startGitHubOIDC(run);
  const stack = await startSigstoreStack({
    trustedIssuers: [{ issuer: GITHUB_OIDC_ISSUER, publicKey: oidc.publicKey }],
  });
  return {
    oidc,
    stack,
    inputs: { 'fulcio-url': stack.fulcioURL, 'rekor-url': stack.rekorURL },
    async stop() {
      await stack.stop();
      await oidc.stop();
    },
  };
}
