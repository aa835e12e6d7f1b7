// A small Docker token-auth server (https://distribution.github.io/distribution/spec/auth/token/)
// for distribution's `auth.token` access controller. It issues ES256 JWTs whose `x5c` header
// carries a self-signed certificate that the registry trusts through `rootcertbundle`
// (distribution 2.8 verifies `x5c` chains against that bundle, or a libtrust `kid`).
import { execFileSync } from 'node:child_process';
import { createHash, generateKeyPairSync, randomBytes, sign, timingSafeEqual } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type Access = 'pull' | 'push';

export interface TokenUser {
  password: string;
  /** Highest access granted on every repository: `pull` makes a read-only user. */
  access: Access;
}

export interface TokenServerOptions {
  users: Record<string, TokenUser>;
  /** Access granted without credentials; default none (a token with no access). */
  anonymous?: Access | 'none';
  service?: string;
  issuer?: string;
  /** `expires_in` of issued tokens, seconds. Default 300. */
  expiresIn?: number;
}

export interface TokenRequestLog {
  method: string;
  grantType?: string;
  user?: string;
  scopes: string[];
  status: number;
}

export interface TokenServer {
  /** `http://127.0.0.1:<port>/token`. */
  realm: string;
  service: string;
  issuer: string;
  /** PEM file of the certificate the registry must trust. */
  certFile: string;
  /** Every request answered, in order. */
  requests: TokenRequestLog[];
  /** A refresh token for `user`, as `docker login` stores it in `identitytoken`. */
  issueRefreshToken(user: string): string;
  stop(): Promise<void>;
}

export async function startTokenServer(options: TokenServerOptions): Promise<TokenServer> {
  const service = options.service ?? 'test-registry';
  const issuer = options.issuer ?? 'test-token-issuer';
  const expiresIn = options.expiresIn ?? 300;
  const dir = mkdtempSync(join(tmpdir(), 'token-server-'));
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const keyFile = join(dir, 'key.pem');
  const certFile = join(dir, 'cert.pem');
  writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  // Node cannot create certificates; openssl is part of every runner image.
  execFileSync('openssl', [
    'req',
    '-x509',
    '-new',
    '-key',
    keyFile,
    '-subj',
    '/CN=test-token-issuer',
    '-days',
    '2',
    '-out',
    certFile,
  ]);
  const certDer = pemToDer(readFileSync(certFile, 'utf8'));

  const refreshTokens = new Map<string, string>();
  const requests: TokenRequestLog[] = [];

  const mint = (subject: string, scopes: string[], max: Access | 'none') => {
    const now = Math.floor(Date.now() / 1000);
    const access = scopes.flatMap((s) => grant(s, max));
    const header = { typ: 'JWT', alg: 'ES256', x5c: [certDer.toString('base64')] };
    const claims = {
      iss: issuer,
      sub: subject,
      aud: service,
      exp: now + expiresIn,
      nbf: now - 10,
      iat: now,
      jti: randomBytes(8).toString('hex'),
      access,
    };
    const signingInput = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    const sig = sign('sha256', Buffer.from(signingInput), {
      key: privateKey,
      dsaEncoding: 'ieee-p1363',
    });
    return `${signingInput}.${b64url(sig)}`;
  };

  const checkPassword = (user: string, password: string): TokenUser | undefined => {
    const u = options.users[user];
    if (!u) return undefined;
    const a = createHash('sha256').update(password).digest();
    const b = createHash('sha256').update(u.password).digest();
    return timingSafeEqual(a, b) ? u : undefined;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const log: TokenRequestLog = { method: req.method ?? '', scopes: [], status: 0 };
    requests.push(log);
    const reply = (status: number, body: unknown) => {
      log.status = status;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (url.pathname !== '/token') return reply(404, { error: 'not found' });

    let params: URLSearchParams;
    if (req.method === 'POST') {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      params = new URLSearchParams(Buffer.concat(chunks).toString());
    } else {
      params = url.searchParams;
    }
    const scopes = params.getAll('scope').flatMap((s) => s.split(' ').filter(Boolean));
    log.scopes = scopes;
    if (params.get('service') !== service) return reply(400, { error: 'invalid service' });

    let subject = '';
    let max: Access | 'none' = options.anonymous ?? 'none';
    if (req.method === 'POST') {
      const grantType = params.get('grant_type') ?? '';
      log.grantType = grantType;
      if (grantType === 'refresh_token') {
        const user = refreshTokens.get(params.get('refresh_token') ?? '');
        if (!user || !options.users[user]) return reply(401, { error: 'invalid_grant' });
        subject = user;
        max = options.users[user].access;
      } else if (grantType === 'password') {
        const user = params.get('username') ?? '';
        const u = checkPassword(user, params.get('password') ?? '');
        if (!u) return reply(401, { error: 'invalid_grant' });
        subject = user;
        max = u.access;
      } else {
        return reply(400, { error: 'unsupported_grant_type' });
      }
      log.user = subject;
      const body: Record<string, unknown> = {
        access_token: mint(subject, scopes, max),
        expires_in: expiresIn,
        issued_at: new Date().toISOString(),
      };
      if (grantType === 'password' && params.get('access_type') === 'offline') {
        body.refresh_token = issueRefreshToken(subject);
      }
      return reply(200, body);
    }

    const authz = req.headers.authorization;
    if (authz) {
      const m = /^Basic\s+(.+)$/i.exec(authz);
      const decoded = m ? Buffer.from(m[1] ?? '', 'base64').toString() : '';
      const colon = decoded.indexOf(':');
      const user = decoded.slice(0, colon);
      const u = colon > 0 ? checkPassword(user, decoded.slice(colon + 1)) : undefined;
      if (!u) {
        return reply(401, { errors: [{ code: 'UNAUTHORIZED', message: 'invalid credentials' }] });
      }
      subject = user;
      max = u.access;
      log.user = user;
    }
    const token = mint(subject, scopes, max);
    const body: Record<string, unknown> = {
      token,
      access_token: token,
      expires_in: expiresIn,
      issued_at: new Date().toISOString(),
    };
    if (subject && params.get('offline_token') === 'true') {
      body.refresh_token = issueRefreshToken(subject);
    }
    return reply(200, body);
  };

  function issueRefreshToken(user: string): string {
    const t = randomBytes(24).toString('base64url');
    refreshTokens.set(t, user);
    return t;
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    realm: `http://127.0.0.1:${port}/token`,
    service,
    issuer,
    certFile,
    requests,
    issueRefreshToken,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Grants the requested actions on a `repository:<name>:<actions>` scope, up to `max`. */
function grant(scope: string, max: Access | 'none') {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first <= 0 || last <= first) return [];
  const type = scope.slice(0, first);
  const name = scope.slice(first + 1, last);
  const requested = scope.slice(last + 1).split(',');
  // `delete` and `*` (what ggcr asks for to delete) come with push rights in this test policy.
  const allowed = max === 'push' ? ['pull', 'push', 'delete', '*'] : max === 'pull' ? ['pull'] : [];
  const actions = requested.filter((a) => allowed.includes(a));
  return type === 'repository' && actions.length > 0 ? [{ type, name, actions }] : [];
}

function b64url(data: string | Buffer): string {
  return Buffer.from(data).toString('base64url');
}

function pemToDer(pem: string): Buffer {
  const body = pem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
  return Buffer.from(body, 'base64');
}
