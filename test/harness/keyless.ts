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
  /**
   * Arguments for a real `cosign sign` (v2 or v3) keyless against the stack, before the image.
   * `fromRunner`: no `--identity-token`; cosign asks the OIDC endpoint itself, as in a workflow
   * (its GitHub Actions provider, with `runnerEnv` in its environment).
   */
  cosignSignArgs(cosign: 'cosign2' | 'cosign3', options?: { fromRunner?: boolean }): string[];
  /** What a runner sets for a step that may ask for an OIDC token (cosign's provider reads it). */
  readonly runnerEnv: Record<string, string>;
  stop(): Promise<void>;
}

export interface KeylessOptions {
  /**
   * Puts something in front of each service (e.g. a fault proxy with latency): given its
   * `127.0.0.1:<port>`, returns the host clients are given instead. Called once each for Fulcio,
   * Rekor (one server here, two hosts as in the real world) and the OIDC endpoint.
   */
  front?: (host: string) => Promise<{ host: string; stop(): Promise<void> }>;
}

export async function startKeyless(
  run: GitHubOIDCOptions = {},
  options: KeylessOptions = {},
): Promise<Keyless> {
  const oidc = await startGitHubOIDC(run);
  const stack = await startSigstoreStack({
    trustedIssuers: [{ issuer: GITHUB_OIDC_ISSUER, publicKey: oidc.publicKey }],
  });
  const fronts: { stop(): Promise<void> }[] = [];
  /** `url` with its host replaced by a front's (the same URL without fronts). */
  const via = async (url: string) => {
    if (!options.front) return url;
    const host = new URL(url).host;
    const front = await options.front(host);
    fronts.push(front);
    return url.replace(host, front.host);
  };
  const fulcioURL = await via(stack.fulcioURL);
  const rekorURL = await via(stack.rekorURL);
  const tokenURL = await via(oidc.env.ACTIONS_ID_TOKEN_REQUEST_URL);
  return {
    oidc,
    stack,
    inputs: { 'fulcio-url': fulcioURL, 'rekor-url': rekorURL },
    runnerEnv: { ...oidc.env, ACTIONS_ID_TOKEN_REQUEST_URL: tokenURL },
    cosignSignArgs(cosign, options = {}) {
      const args = ['sign', '--yes', '--allow-http-registry'];
      if (!options.fromRunner) args.push('--identity-token', oidc.issueToken());
      args.push('--fulcio-url', fulcioURL, '--rekor-url', rekorURL);
      args.push('--trusted-root', stack.trustedRootPath);
      // cosign v3 would otherwise take its service URLs from the public signing config.
      if (cosign === 'cosign3') args.push('--use-signing-config=false');
      return args;
    },
    async stop() {
      for (const f of fronts) await f.stop();
      await stack.stop();
      await oidc.stop();
    },
  };
}
