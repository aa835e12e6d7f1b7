// In-process (the Node that runs the tests, not the bundle): the TUF fetch of a trusted root and
// the fetch shim that stands in for make-fetch-happen in @sigstore/sign both go through
// HTTP(S)_PROXY and honour NO_PROXY. The TUF repository (test/harness/tuf-repo.ts) is served on
// loopback under a name only the test proxy resolves; its one target is the loopback Sigstore
// stack's trusted root. The bundled actions under Node 24 are covered by test/e2e/proxy-tls.test.ts.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { failureInput, failureMessage } from '../../src/github/errors.js';
import { SigningError } from '../../src/signing/errors.js';
import fetchShim from '../../src/signing/fetch-shim.js';
import { loadTrustMaterial } from '../../src/signing/verify/trust.js';
import { type ForwardProxy, startForwardProxy } from '../harness/forward-proxy.js';
import { type SigstoreStack, startSigstoreStack } from '../harness/sigstore-stack.js';
import { startTufRepo, type TufRepo } from '../harness/tuf-repo.js';

const MIRROR = 'http://tuf.example';
const TSA = 'http://tsa.example';
const saved = { ...process.env };
let dir: string;
let stack: SigstoreStack;
let tuf: TufRepo;
let tsa: Server;
let proxy: ForwardProxy;
const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sigstore-proxy-'));
  stack = await startSigstoreStack();
  tuf = await startTufRepo({ target: stack.trustedRoot });
  // Answers like a TSA: binary DER, read by sigstore-js with `response.buffer()`.
  tsa = createServer((req, res) => {
    req.resume();
    req.on('end', () =>
      res.writeHead(200, { 'content-type': 'application/timestamp-reply' }).end(bytes),
    );
  });
  await new Promise<void>((r) => tsa.listen(0, '127.0.0.1', () => r()));
  proxy = await startForwardProxy({
    hosts: {
      'tuf.example': tuf.port,
      'tsa.example': (tsa.address() as AddressInfo).port,
    },
  });
  // Read when the shared agent is first made, i.e. by the first request of this process.
  process.env.HTTP_PROXY = proxy.url;
  process.env.HTTPS_PROXY = proxy.url;
  process.env.no_proxy = 'direct.example';
  delete process.env.NO_PROXY;
});

after(async () => {
  process.env = saved;
  await proxy?.stop();
  await tuf?.stop();
  await stack?.stop();
  if (tsa) {
    tsa.closeAllConnections();
    await new Promise((r) => tsa.close(r));
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('fetch shim: through the proxy, buffer() gives the exact bytes (the TSA client reads it)', async () => {
  proxy.seen.length = 0;
  const res = await fetchShim(`${TSA}/api/v1/timestamp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
    timeout: 5000,
  });
  assert.equal(res.status, 200);
  assert.deepEqual(await res.buffer(), bytes);
  assert.ok(proxy.proxied(`${TSA}/`), proxy.seen.join('\n'));
});

test('TUF: the trusted root comes from the mirror through the proxy', async () => {
  proxy.seen.length = 0;
  tuf.requests.length = 0;
  const cachePath = join(dir, 'cache-proxied');
  tuf.seedCache(cachePath, MIRROR);
  const trust = await loadTrustMaterial('tuf', { cachePath, mirrorURL: MIRROR });
  assert.equal(trust.certificateAuthorities.length, 1);
  assert.equal(trust.tlogs.length, 1);
  assert.ok(proxy.proxied(`${MIRROR}/`), proxy.seen.join('\n'));
  assert.ok(tuf.requests.includes('/timestamp.json'), tuf.requests.join('\n'));
  assert.ok(
    tuf.requests.some((p) => p.endsWith('.trusted_root.json')),
    tuf.requests.join('\n'),
  );
});

test('TUF: a mirror in no_proxy is not sent to the proxy; the failure is one line naming trusted-root', async () => {
  proxy.seen.length = 0;
  const mirrorURL = 'http://direct.example';
  const cachePath = join(dir, 'cache-direct');
  tuf.seedCache(cachePath, mirrorURL);
  await assert.rejects(loadTrustMaterial('tuf', { cachePath, mirrorURL }), (err: unknown) => {
    // Domain code says what failed; the edge names the input and the fix.
    assert.ok(err instanceof SigningError, String(err));
    assert.equal(err.code, 'TUF_FETCH_FAILED');
    assert.equal(failureInput(err), 'trusted-root');
    const line = failureMessage(err) ?? '';
    assert.match(
      line,
      /^could not fetch .* TUF repository http:\/\/direct\.example \(.+\): check HTTPS_PROXY\/NO_PROXY and NODE_EXTRA_CA_CERTS .* set trusted-root/,
    );
    assert.doesNotMatch(line, /\n/);
    return true;
  });
  assert.deepEqual(proxy.seen, []);
});
