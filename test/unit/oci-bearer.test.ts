// The token request that concurrent requests share: one caller giving up (an upload session
// found unneeded, a per-operation deadline) must not fail the others; when all give up, the
// request to the token service stops.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import { BearerTokens } from '../../src/oci/bearer.js';
import { proxyDispatcher } from '../../src/oci/http.js';

const servers: Server[] = [];
after(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

/** A token service answering after `delayMs`; counts requests and the ones closed unanswered. */
async function tokenService(delayMs: number) {
  const seen = { requests: 0, abandoned: 0 };
  const server = createServer((req, res) => {
    seen.requests++;
    const timer = setTimeout(
      () => res.end(JSON.stringify({ token: 'tok', expires_in: 300 })),
      delayMs,
    );
    res.on('close', () => {
      if (!res.writableFinished) {
        seen.abandoned++;
        clearTimeout(timer);
      }
    });
    req.resume();
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const realm = { realm: `http://127.0.0.1:${(server.address() as AddressInfo).port}/token` };
  return { realm, seen };
}

const tokens = () =>
  new BearerTokens({
    registry: 'r.example',
    credentials: async () => ({ kind: 'anonymous', source: 'anonymous' }),
    insecure: false,
    userAgent: 'test',
    retry: { maxAttempts: 1 },
    mask: () => {},
    dispatcher: proxyDispatcher(),
    idleTimeoutMs: 5000,
  });

const SCOPES = ['repository:org/app:pull,push'];

test('one caller aborting leaves the shared token request to the others', async () => {
  const { realm, seen } = await tokenService(150);
  const t = tokens();
  const gone = new AbortController();
  const first = t.fetch(realm, SCOPES, gone.signal);
  const second = t.fetch(realm, SCOPES, new AbortController().signal);
  setTimeout(() => gone.abort(new Error('not needed')), 20);
  await assert.rejects(first, /not needed/);
  assert.equal(await second, 'tok');
  assert.deepEqual(seen, { requests: 1, abandoned: 0 });
});

test('when every caller aborts, the token request stops', async () => {
  const { realm, seen } = await tokenService(2000);
  const t = tokens();
  const a = new AbortController();
  const b = new AbortController();
  const both = [t.fetch(realm, SCOPES, a.signal), t.fetch(realm, SCOPES, b.signal)];
  await new Promise((r) => setTimeout(r, 50));
  a.abort(new Error('a gave up'));
  b.abort(new Error('b gave up'));
  await assert.rejects(both[0] as Promise<string>, /a gave up/);
  await assert.rejects(both[1] as Promise<string>, /b gave up/);
  for (let i = 0; i < 50 && seen.abandoned === 0; i++) await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(seen, { requests: 1, abandoned: 1 });
});

test('a caller arriving after every earlier caller gave up gets a request of its own', async () => {
  // An anonymous push: the config blob's session POST is found unneeded (the blob exists) and
  // aborted, the only one waiting for the token; the layer's POST asks for the same scopes
  // right after, before the stopped request has settled. It used to get the others' abort.
  const { realm, seen } = await tokenService(100);
  const t = tokens();
  const gone = new AbortController();
  const first = t.fetch(realm, SCOPES, gone.signal);
  await new Promise((r) => setTimeout(r, 20));
  gone.abort(new Error('not needed'));
  const later = t.fetch(realm, SCOPES, new AbortController().signal);
  await assert.rejects(first, /not needed/);
  assert.equal(await later, 'tok');
  assert.equal(seen.requests, 2);
});
