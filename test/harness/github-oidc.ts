/**
 * A fake GitHub Actions OIDC token endpoint on 127.0.0.1, reached the way a runner does: GET
 * `$ACTIONS_ID_TOKEN_REQUEST_URL&audience=<aud>` with `Authorization: Bearer
 * $ACTIONS_ID_TOKEN_REQUEST_TOKEN`, answering `{"value":"<jwt>"}`. The JWT (RS256) carries the claims
 * GitHub puts in its tokens; tests change them per case (wrong workflow, branch, tag ref, PR).
 *
 *   const oidc = await startGitHubOIDC({ claims: { ref: 'refs/tags/v1.0.0' } });
 *   Object.assign(process.env, oidc.env);   // or pass oidc.env to a child process
 *   ...
 *   await oidc.stop();
 */
import { createSign, generateKeyPairSync, type KeyObject, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export const GITHUB_OIDC_ISSUER = 'https://token.actions.githubusercontent.com';

/** High-level description of the workflow run a token is for; everything else is derived. */
export interface GitHubRunOptions {
  /** `org/repo` */
  repository?: string;
  /** Workflow file path in the repository (of the job's workflow: the called one for reusable workflows). */
  workflowPath?: string;
  /** Ref of the job workflow (defaults to `ref`). */
  workflowRef?: string;
  /** `refs/heads/main`, `refs/tags/v1.2.3`, `refs/pull/7/merge` */
  ref?: string;
  eventName?: string;
  sha?: string;
  visibility?: 'public' | 'private' | 'internal';
  environment?: string;
}

/** The claims of a GitHub Actions OIDC token (as documented by GitHub), derived from `opts`. */
export function githubClaims(opts: GitHubRunOptions = {}): Record<string, unknown> {
  const repository = opts.repository ?? 'org/repo';
  const owner = repository.split('/')[0] ?? 'org';
  const ref = opts.ref ?? 'refs/heads/main';
  const eventName = opts.eventName ?? (ref.startsWith('refs/pull/') ? 'pull_request' : 'push');
  const sha = opts.sha ?? 'a'.repeat(40);
  const workflowPath = opts.workflowPath ?? '.github/workflows/publish.yaml';
  const jobWorkflowRef = `${repository}/${workflowPath}@${opts.workflowRef ?? ref}`;
  let sub: string;
  if (opts.environment) sub = `repo:${repository}:environment:${opts.environment}`;
  else if (eventName.startsWith('pull_request')) sub = `repo:${repository}:pull_request`;
  else sub = `repo:${repository}:ref:${ref}`;
  const now = Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = {
    jti: randomBytes(16).toString('hex'),
    sub,
    aud: 'sigstore',
    ref,
    sha,
    repository,
    repository_owner: owner,
    repository_owner_id: '1001',
    run_id: '123456789',
    run_number: '42',
    run_attempt: '1',
    repository_visibility: opts.visibility ?? 'public',
    repository_id: '2002',
    actor_id: '3003',
    actor: 'octocat',
    workflow: 'Publish',
    head_ref: eventName.startsWith('pull_request') ? 'feature' : '',
    base_ref: eventName.startsWith('pull_request') ? 'main' : '',
    event_name: eventName,
    ref_protected: 'false',
    ref_type: ref.startsWith('refs/tags/') ? 'tag' : 'branch',
    workflow_ref: `${repository}/${workflowPath}@${ref}`,
    workflow_sha: sha,
    job_workflow_ref: jobWorkflowRef,
    job_workflow_sha: sha,
    runner_environment: 'github-hosted',
    iss: GITHUB_OIDC_ISSUER,
    nbf: now - 5,
    exp: now + 300,
    iat: now - 5,
  };
  if (opts.environment) claims.environment = opts.environment;
  return claims;
}

export interface FakeGitHubOIDC {
  /** `ACTIONS_ID_TOKEN_REQUEST_URL` / `ACTIONS_ID_TOKEN_REQUEST_TOKEN`, as a runner sets them. */
  readonly env: { ACTIONS_ID_TOKEN_REQUEST_URL: string; ACTIONS_ID_TOKEN_REQUEST_TOKEN: string };
  readonly url: string;
  /** The issuer's token-signing public key (RS256). */
  readonly publicKey: KeyObject;
  /** Audiences of the token requests served so far. */
  readonly requests: string[];
  /** Claims of the next tokens (merged over the defaults); `undefined` values delete a claim. */
  setClaims(claims: Record<string, unknown>): void;
  /** Sign a token directly (no HTTP), with `overrides` over the current claims. */
  issueToken(overrides?: Record<string, unknown>): string;
  /** Make the endpoint answer this HTTP status (e.g. 403) until reset with `undefined`. */
  failWith(status: number | undefined): void;
  stop(): Promise<void>;
}

export interface GitHubOIDCOptions extends GitHubRunOptions {
  /** Extra claims over those derived from the run options. */
  claims?: Record<string, unknown>;
}

export async function startGitHubOIDC(options: GitHubOIDCOptions = {}): Promise<FakeGitHubOIDC> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = randomBytes(8).toString('hex');
  const requestToken = `fake-request-token-${randomBytes(12).toString('hex')}`;
  let claimOverrides: Record<string, unknown> = { ...(options.claims ?? {}) };
  let failStatus: number | undefined;
  const requests: string[] = [];

  const issueToken = (overrides: Record<string, unknown> = {}): string => {
    const claims: Record<string, unknown> = {
      ...githubClaims(options),
      ...claimOverrides,
      ...overrides,
    };
    for (const [k, v] of Object.entries(claims)) if (v === undefined) delete claims[k];
    return signJWT({ alg: 'RS256', typ: 'JWT', kid }, claims, privateKey);
  };

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname === '/.well-known/jwks') {
      const jwk = publicKey.export({ format: 'jwk' });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [{ ...jwk, kid, alg: 'RS256', use: 'sig' }] }));
      return;
    }
    if (url.pathname !== '/idtoken' || req.method !== 'GET') {
      res.writeHead(404).end();
      return;
    }
    // The scheme is case-insensitive (RFC 9110 §11.1): cosign's provider sends `bearer`.
    const [scheme, credentials] = (req.headers.authorization ?? '').split(' ');
    if (scheme?.toLowerCase() !== 'bearer' || credentials !== requestToken) {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end('{"message":"Unauthorized"}');
      return;
    }
    if (failStatus !== undefined) {
      res.writeHead(failStatus, { 'content-type': 'application/json' });
      res.end(`{"message":"fake failure ${failStatus}"}`);
      return;
    }
    const audience = url.searchParams.get('audience') ?? '';
    requests.push(audience);
    const overrides = audience ? { aud: audience } : {};
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ count: 1, value: issueToken(overrides) }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;
  return {
    env: {
      ACTIONS_ID_TOKEN_REQUEST_URL: `${base}/idtoken?api-version=2.0`,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: requestToken,
    },
    url: base,
    publicKey,
    requests,
    setClaims(claims) {
      claimOverrides = { ...claims };
    },
    issueToken,
    failWith(status) {
      failStatus = status;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Compact JWS (RS256) over `claims`. */
export function signJWT(
  header: Record<string, unknown>,
  claims: Record<string, unknown>,
  key: KeyObject,
): string {
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  const sig = createSign('RSA-SHA256').update(input).sign(key);
  return `${input}.${b64url(sig)}`;
}

/** Decode (without verifying) a JWT's claims. */
export function decodeJWT(jwt: string): Record<string, unknown> {
  const part = jwt.split('.')[1];
  if (!part) throw new Error('not a JWT');
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
}

function b64url(data: string | Buffer): string {
  return Buffer.from(data).toString('base64url');
}
