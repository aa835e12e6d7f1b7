// Transport behaviour against small node:http servers on 127.0.0.1: retries, Retry-After,
// no retries for 401/403/404, bounded attempts, re-created stream bodies, timeouts, token
// caching, redirects without leaking Authorization, scheme choice and User-Agent.

import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { after, test } from 'node:test';
import { failureInput, failureMessage } from '../../src/github/errors.js';
import { OciError, RegistryAuthError, RegistryNetworkError } from '../../src/oci/errors.js';
import { Transport } from '../../src/oci/transport.js';

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;
const servers: Server[] = [];

async function serve(handler: Handler): Promise<{ host: string; hits: string[] }> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      hits.push(`${req.method} ${req.url}`);
      handler(req, res, Buffer.concat(chunks).toString());
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { host: `127.0.0.1:${(server.address() as AddressInfo).port}`, hits };
}

after(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

const fast = { baseDelayMs: 5, maxAttempts: 4 };
const transport = (host: string, extra: Partial<ConstructorParameters<typeof Transport>[0]> = {}) =>
  new Transport({ registry: host, retry: fast, ...extra });

test('503 then 200: retried', async () => {
  let n = 0;
  const { host, hits } = await serve((_req, res) => {
    res.writeHead(++n === 1 ? 503 : 200).end('ok');
  });
  const res = await transport(host).request({ method: 'GET', url: '/v2/' });
  assert.equal(res.status, 200);
  assert.equal(await res.text(), 'ok');
  assert.equal(hits.length, 2);
});

test('429 with Retry-After is honoured', async () => {
  let n = 0;
  const { host, hits } = await serve((_req, res) => {
    if (++n === 1) res.writeHead(429, { 'retry-after': '1' }).end();
    else res.writeHead(200).end();
  });
  const started = Date.now();
  const res = await transport(host).request({ method: 'GET', url: '/v2/' });
  await res.dump();
  assert.equal(res.status, 200);
  assert.equal(hits.length, 2);
  assert.ok(Date.now() - started >= 950, `waited ${Date.now() - started} ms`);
});

test('Retry-After longer than the cap is capped', async () => {
  let n = 0;
  const { host } = await serve((_req, res) => {
    if (++n === 1) res.writeHead(503, { 'retry-after': '3600' }).end();
    else res.writeHead(200).end();
  });
  const started = Date.now();
  const res = await transport(host, { retry: { ...fast, maxRetryAfterMs: 50 } }).request({
    method: 'GET',
    url: '/v2/',
  });
  await res.dump();
  assert.equal(res.status, 200);
  assert.ok(Date.now() - started < 2000);
});

test('5xx forever: a bounded number of attempts, then one line naming registry and operation', async () => {
  const { host, hits } = await serve((_req, res) => {
    res.writeHead(500).end('{"errors":[{"code":"UNKNOWN","message":"boom"}]}');
  });
  await assert.rejects(
    transport(host).request({
      method: 'GET',
      url: '/v2/x/manifests/a',
      operation: 'GET manifest a',
    }),
    (e: unknown) => {
      assert.ok(e instanceof RegistryNetworkError);
      assert.equal(e.data.failure, 'status');
      assert.equal(e.data.status, 500);
      assert.equal(e.data.exhausted, true);
      assert.equal(
        e.message,
        `registry ${host}: GET manifest a: answered 500, after 4 attempts (retry limit reached)`,
      );
      return true;
    },
  );
  assert.equal(hits.length, 4);
});

test('noRetry: a 5xx is handed back to the caller', async () => {
  const { host, hits } = await serve((_req, res) => res.writeHead(503).end());
  const res = await transport(host).request({ method: 'PUT', url: '/v2/x/blobs/u', noRetry: true });
  await res.dump();
  assert.equal(res.status, 503);
  assert.equal(hits.length, 1);
});

test('read: a reset or stall mid-body is retried; a body over the cap is refused without Content-Length', async () => {
  let n = 0;
  const body = Buffer.alloc(100_000, 'm');
  const { host } = await serve((req, res) => {
    n++;
    if (req.url?.includes('big')) {
      res.writeHead(200); // chunked: no Content-Length
      const t = setInterval(() => {
        if (!res.write(Buffer.alloc(64 * 1024))) return;
      }, 1);
      res.on('close', () => clearInterval(t));
      return;
    }
    res.writeHead(200, { 'content-length': String(body.length) });
    if (n === 1) res.write(body.subarray(0, 1000), () => req.socket.destroy());
    else if (n === 2)
      res.write(body.subarray(0, 1000)); // then silence
    else res.end(body);
  });
  const t = transport(host, { idleTimeoutMs: 300 });
  const res = await t.request({ method: 'GET', url: '/v2/m', read: { maxBytes: 1 << 20 } });
  assert.equal((await res.bytes()).length, body.length);
  assert.equal(n, 3);
  const before = process.memoryUsage().rss;
  await assert.rejects(
    t.request({
      method: 'GET',
      url: '/v2/big',
      operation: 'GET manifest big',
      read: { maxBytes: 1 << 20 },
    }),
    (e: unknown) =>
      e instanceof RegistryNetworkError &&
      e.data.failure === 'too-large' &&
      /GET manifest big: answer larger than 1048576 bytes/.test(e.message),
  );
  assert.ok(process.memoryUsage().rss - before < 64 << 20);
});

test('a stall names the registry, the operation and the idle limit', async () => {
  const { host } = await serve(() => {});
  await assert.rejects(
    transport(host, { idleTimeoutMs: 200, retry: { baseDelayMs: 5, maxAttempts: 2 } }).request({
      method: 'GET',
      url: '/v2/a/tags/list',
      operation: 'list tags',
    }),
    (e: unknown) =>
      e instanceof RegistryNetworkError &&
      e.data.failure === 'stalled' &&
      e.data.reached &&
      e.message ===
        `registry ${host}: list tags: no data for 0.2 s (ETIMEDOUT), after 2 attempts (retry limit reached)`,
  );
});

test('401 (Basic, no credentials), 403 and 404 are never retried', async () => {
  const { host, hits } = await serve((req, res) => {
    if (req.url?.includes('401'))
      res.writeHead(401, { 'www-authenticate': 'Basic realm="r"' }).end();
    else if (req.url?.includes('403')) res.writeHead(403).end('{"errors":[{"code":"DENIED"}]}');
    else res.writeHead(404).end();
  });
  const t = transport(host);
  await assert.rejects(
    t.request({ method: 'GET', url: '/v2/a/b/manifests/401', scopes: ['repository:a/b:pull'] }),
    (e: unknown) =>
      e instanceof RegistryAuthError &&
      e.code === 'UNAUTHORIZED' &&
      e.data.source === 'anonymous' &&
      /needs credentials to pull from 127\.0\.0\.1:\d+\/a\/b/.test(failureMessage(e) ?? ''),
  );
  assert.equal(hits.length, 1);
  await assert.rejects(
    t.request({
      method: 'PUT',
      url: '/v2/a/b/manifests/403',
      body: 'x',
      scopes: ['repository:a/b:pull,push'],
    }),
    (e: unknown) =>
      e instanceof RegistryAuthError &&
      e.code === 'DENIED' &&
      /denied access to push to .*\/a\/b/.test(failureMessage(e) ?? ''),
  );
  assert.equal(hits.length, 2);
  const res = await t.request({ method: 'GET', url: '/v2/a/b/manifests/404' });
  await res.dump();
  assert.equal(res.status, 404);
  assert.equal(hits.length, 3);
});

test('401 with wrong Basic credentials: one re-send with credentials, then a clear error', async () => {
  const { host, hits } = await serve((req, res) => {
    const ok = req.headers.authorization === `Basic ${Buffer.from('u:right').toString('base64')}`;
    if (ok) res.writeHead(200).end();
    else res.writeHead(401, { 'www-authenticate': 'Basic realm="r"' }).end();
  });
  const wrong = transport(host, {
    credentials: { kind: 'basic', username: 'u', password: 'bad', source: 'inputs' },
  });
  await assert.rejects(
    wrong.request({ method: 'GET', url: '/v2/' }),
    (e: unknown) =>
      failureMessage(e) ===
      `registry ${host} rejected the username/password (401): check username/password`,
  );
  assert.equal(hits.length, 2);
  const right = transport(host, {
    credentials: { kind: 'basic', username: 'u', password: 'right', source: 'inputs' },
  });
  await (await right.request({ method: 'GET', url: '/v2/' })).dump();
  await (await right.request({ method: 'GET', url: '/v2/' })).dump();
  // after learning the scheme, Basic is sent up front: 1 challenge + 2 authorised requests
  assert.equal(hits.length, 5);
});

test('connection reset: GET retried, POST not', async () => {
  let n = 0;
  const { host, hits } = await serve((req, res) => {
    if (++n % 2 === 1) req.socket.destroy();
    else res.writeHead(200).end();
  });
  const t = transport(host);
  const res = await t.request({ method: 'GET', url: '/v2/' });
  await res.dump();
  assert.equal(res.status, 200);
  assert.equal(hits.length, 2);
  await assert.rejects(
    t.request({ method: 'POST', url: '/v2/a/blobs/uploads/', idempotent: false }),
    (e: unknown) =>
      e instanceof RegistryNetworkError &&
      e.data.failure === 'reset' &&
      e.data.reached &&
      e.data.attempts === 1,
  );
  assert.equal(hits.length, 3);
});

test('connection refused: retried a bounded number of times, then one line', async () => {
  const { host } = await serve(() => {});
  const s = servers.pop()!;
  s.closeAllConnections();
  await new Promise((r) => s.close(r));
  const started = Date.now();
  await assert.rejects(transport(host).request({ method: 'GET', url: '/v2/' }), (err: unknown) => {
    assert.ok(err instanceof RegistryNetworkError);
    assert.equal(err.data.failure, 'refused');
    assert.equal(err.data.reached, false);
    assert.equal(err.data.attempts, 4);
    assert.match(
      err.message,
      new RegExp(`^registry ${host}: GET /v2/: could not connect \\(ECONNREFUSED\\)`),
    );
    return true;
  });
  assert.ok(Date.now() - started < 5000);
});

test('stream bodies are re-created for a retry', async () => {
  const bodies: string[] = [];
  const { host } = await serve((_req, res, body) => {
    bodies.push(body);
    res.writeHead(bodies.length === 1 ? 502 : 201).end();
  });
  let made = 0;
  const res = await transport(host).request({
    method: 'PUT',
    url: '/v2/a/blobs/uploads/x?digest=sha256:0',
    headers: { 'content-length': '11' },
    body: () => {
      made++;
      return Readable.from([Buffer.from('hello '), Buffer.from('world')]);
    },
  });
  await res.dump();
  assert.equal(res.status, 201);
  assert.equal(made, 2);
  assert.deepEqual(bodies, ['hello world', 'hello world']);
});

test('a stalled registry hits the per-operation timeout', async () => {
  const { host } = await serve(() => {
    // never answers
  });
  await assert.rejects(
    transport(host).request({ method: 'GET', url: '/v2/', signal: AbortSignal.timeout(200) }),
    (e: unknown) =>
      e instanceof RegistryNetworkError &&
      e.data.failure === 'deadline' &&
      e.message.startsWith(`registry ${host}: GET /v2/: not done within the deadline`),
  );
});

test('Bearer: token fetched with Basic credentials, cached per scope until expiry', async () => {
  let expiresIn = 3600;
  let issued = 0;
  const tokenServer = await serve((req, res) => {
    const url = new URL(req.url ?? '', 'http://x');
    assert.equal(req.headers.authorization, `Basic ${Buffer.from('u:p').toString('base64')}`);
    assert.equal(url.searchParams.get('service'), 'svc');
    issued++;
    const scopes = url.searchParams.getAll('scope').join(' ');
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ token: `tok-${issued}-${scopes}`, expires_in: expiresIn }));
  });
  const seen: string[] = [];
  const { host } = await serve((req, res) => {
    const auth = req.headers.authorization ?? '';
    seen.push(auth);
    if (!auth.startsWith('Bearer ')) {
      res.writeHead(401, {
        'www-authenticate': `Bearer realm="http://${tokenServer.host}/token",service="svc",scope="repository:a/b:pull"`,
      });
      return res.end();
    }
    res.writeHead(200).end();
  });
  const masked: string[] = [];
  const t = transport(host, {
    credentials: { kind: 'basic', username: 'u', password: 'p', source: 'inputs' },
    mask: (s) => masked.push(s),
  });
  const pull = ['repository:a/b:pull'];
  const push = ['repository:a/b:pull,push'];
  for (let i = 0; i < 3; i++)
    await (await t.request({ method: 'GET', url: '/v2/a/b/tags/list', scopes: pull })).dump();
  assert.equal(issued, 1);
  await (
    await t.request({ method: 'PUT', url: '/v2/a/b/manifests/x', body: '{}', scopes: push })
  ).dump();
  assert.equal(issued, 2);
  // the push token also covers pulls
  await (await t.request({ method: 'GET', url: '/v2/a/b/tags/list', scopes: pull })).dump();
  assert.equal(issued, 2);
  assert.deepEqual(masked, ['tok-1-repository:a/b:pull', 'tok-2-repository:a/b:pull,push']);
  assert.equal(seen.at(-1), 'Bearer tok-1-repository:a/b:pull');

  // a short-lived token is used, then renewed once it (minus a margin) has expired
  expiresIn = 1;
  const t2 = transport(host, {
    credentials: { kind: 'basic', username: 'u', password: 'p', source: 'inputs' },
  });
  await (await t2.request({ method: 'GET', url: '/v2/a/b/tags/list', scopes: pull })).dump();
  await (await t2.request({ method: 'GET', url: '/v2/a/b/tags/list', scopes: pull })).dump();
  assert.equal(issued, 3);
  await new Promise((r) => setTimeout(r, 600));
  await (await t2.request({ method: 'GET', url: '/v2/a/b/tags/list', scopes: pull })).dump();
  assert.equal(issued, 4);
});

test('redirects are followed; Authorization goes to the registry only', async () => {
  const storage = await serve((req, res) => {
    res.writeHead(200).end(req.headers.authorization ?? 'no-auth');
  });
  const { host } = await serve((req, res) => {
    if (req.headers.authorization !== 'Bearer reg-token') {
      res.writeHead(401, { 'www-authenticate': 'Bearer realm="http://127.0.0.1:1/unused"' });
      return res.end();
    }
    if (req.url === '/v2/a/blobs/same') res.writeHead(307, { location: '/v2/a/blobs/final' }).end();
    else if (req.url === '/v2/a/blobs/final') res.writeHead(200).end(req.headers.authorization);
    else res.writeHead(307, { location: `http://${storage.host}/bucket/blob?sig=1` }).end();
  });
  const t = transport(host, {
    credentials: { kind: 'registry-token', token: 'reg-token', source: 'docker-config' },
  });
  const other = await t.request({
    method: 'GET',
    url: '/v2/a/blobs/elsewhere',
    followRedirects: true,
  });
  assert.equal(await other.text(), 'no-auth');
  assert.equal(other.url, `http://${storage.host}/bucket/blob?sig=1`);
  assert.deepEqual(storage.hits, ['GET /bucket/blob?sig=1']);
  const same = await t.request({ method: 'GET', url: '/v2/a/blobs/same', followRedirects: true });
  assert.equal(await same.text(), 'Bearer reg-token');
  const notFollowed = await t.request({ method: 'GET', url: '/v2/a/blobs/same' });
  await notFollowed.dump();
  assert.equal(notFollowed.status, 307);
});

test('HTTPS by default; plain HTTP for loopback or insecure', () => {
  const base = (registry: string, insecure?: boolean) =>
    new Transport({ registry, ...(insecure ? { insecure } : {}) }).baseUrl;
  assert.equal(base('ghcr.io'), 'https://ghcr.io');
  assert.equal(base('registry.internal:5000'), 'https://registry.internal:5000');
  assert.equal(base('10.0.0.1:5000'), 'https://10.0.0.1:5000');
  assert.equal(base('localhost:5000'), 'http://localhost:5000');
  assert.equal(base('127.0.0.1:5000'), 'http://127.0.0.1:5000');
  assert.equal(base('[::1]:5000'), 'http://[::1]:5000');
  assert.equal(base('kind-registry.localhost:5001'), 'http://kind-registry.localhost:5001');
  assert.equal(base('registry.internal:5000', true), 'http://registry.internal:5000');
});

test('User-Agent is flux-oci-action/<version>', async () => {
  let ua = '';
  const { host } = await serve((req, res) => {
    ua = req.headers['user-agent'] ?? '';
    res.writeHead(200).end();
  });
  await (await transport(host).request({ method: 'GET', url: '/v2/' })).dump();
  assert.match(ua, /^flux-oci-action\/\d+\.\d+\.\d+/);
});

test('concurrent requests share one token request; a 403 from the token service means no rights', async () => {
  let issued = 0;
  let deny = false;
  const tokenServer = await serve((_req, res) => {
    issued++;
    if (deny) return res.writeHead(403).end();
    setTimeout(() => res.writeHead(200).end(JSON.stringify({ token: 't', expires_in: 300 })), 50);
  });
  const { host } = await serve((req, res) => {
    if (req.headers.authorization !== 'Bearer t') {
      res.writeHead(401, { 'www-authenticate': `Bearer realm="http://${tokenServer.host}/token"` });
      return res.end();
    }
    res.writeHead(200).end();
  });
  const creds = {
    kind: 'basic' as const,
    username: 'u',
    password: 'p',
    source: 'github-token' as const,
  };
  const t = transport(host, { credentials: creds });
  await (await t.request({ method: 'GET', url: '/v2/', scopes: ['repository:a/b:pull'] })).dump();
  assert.equal(issued, 1);
  const push = ['repository:a/b:pull,push'];
  const all = await Promise.all(
    Array.from({ length: 5 }, () =>
      t.request({ method: 'HEAD', url: '/v2/a/b/blobs/x', scopes: push }),
    ),
  );
  for (const r of all) await r.dump();
  assert.equal(issued, 2);

  deny = true;
  const denied = transport(host, { credentials: creds });
  await assert.rejects(
    denied.request({ method: 'PUT', url: '/v2/a/b/manifests/v1', body: '{}', scopes: push }),
    (e: unknown) => {
      // The domain error names no GitHub setting; the edge's line does.
      assert.doesNotMatch((e as Error).message, /permissions/);
      assert.equal(
        failureMessage(e),
        `registry ${host} denied access to push to ${host}/a/b: github-token lacks packages: write: add \`permissions: packages: write\` to the job`,
      );
      return true;
    },
  );
});

test('credentials are never sent to a plain-HTTP token realm on another host', async () => {
  const { host } = await serve((_req, res) => {
    res.writeHead(401, {
      'www-authenticate': 'Bearer realm="http://auth.example.invalid/token",service="s"',
    });
    res.end();
  });
  const t = transport(host, {
    credentials: { kind: 'basic', username: 'u', password: 'p', source: 'inputs' },
  });
  await assert.rejects(t.request({ method: 'GET', url: '/v2/' }), (e: unknown) => {
    assert.ok(e instanceof OciError && e.code === 'TOKEN_SERVICE_PLAIN_HTTP', String(e));
    assert.equal(failureInput(e), 'insecure');
    assert.equal(
      failureMessage(e),
      `registry ${host} sends credentials to the plain-HTTP token service auth.example.invalid; refusing: use HTTPS, or set insecure: true if that is intended`,
    );
    return true;
  });
});

test('a credential failure with an ENOENT cause stays itself, not a network failure', async () => {
  const { host, hits } = await serve((_req, res) => {
    res.writeHead(401, { 'www-authenticate': `Basic realm="r"` });
    res.end();
  });
  const enoent = Object.assign(new Error('spawn docker-credential-gone ENOENT'), {
    code: 'ENOENT',
  });
  const helperGone = new OciError(
    {
      code: 'CREDENTIAL_HELPER_FAILED',
      program: 'docker-credential-gone',
      serverUrl: host,
      problem: 'missing',
    },
    { cause: enoent },
  );
  const t = transport(host, {
    credentials: async () => {
      throw helperGone;
    },
  });
  await assert.rejects(t.request({ method: 'GET', url: '/v2/' }), (e: unknown) => {
    assert.equal(e, helperGone);
    assert.match(failureMessage(e) ?? '', /which is not on PATH: install it/);
    return true;
  });
  assert.ok(hits.length <= 1, `retried ${hits.length} times`);
});

test('slowestRoundTripMs: the slowest answered small request, without retry sleeps or uploads', async () => {
  let n = 0;
  const { host } = await serve((req, res) => {
    const delay = req.url === '/slow' ? 80 : req.url === '/upload' ? 300 : 0;
    // The first /v2/ is a 429 with Retry-After: 1: its second's sleep must not count.
    if (req.url === '/v2/' && ++n === 1) return res.writeHead(429, { 'retry-after': '1' }).end();
    setTimeout(() => res.writeHead(200).end(), delay);
  });
  const t = transport(host);
  assert.equal(t.slowestRoundTripMs(), 0, 'nothing measured yet');
  await (await t.request({ method: 'GET', url: '/v2/' })).dump();
  assert.ok(t.slowestRoundTripMs() < 500, `retry sleep not counted: ${t.slowestRoundTripMs()}`);
  await (await t.request({ method: 'GET', url: '/slow' })).dump();
  const slow = t.slowestRoundTripMs();
  assert.ok(slow >= 75 && slow < 500, `the slow answer counts: ${slow}`);
  // A large upload's time is the transfer's, not the registry's answer: not counted.
  const big = Buffer.alloc(256 * 1024);
  await (await t.request({ method: 'PUT', url: '/upload', body: big })).dump();
  assert.equal(t.slowestRoundTripMs(), slow);
  // Only answers since a moment count (a shared-tag writer's own phase).
  const since = Date.now();
  await (await t.request({ method: 'GET', url: '/v2/' })).dump();
  assert.ok(t.slowestRoundTripMs(since) < slow, `${t.slowestRoundTripMs(since)} < ${slow}`);
});
