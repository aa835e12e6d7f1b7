// src/oci/http.ts without a proxy (node:http): bodies in memory go with their length, a
// connection that drops mid-body fails its reader and nothing else, a silent server is a stall
// (ETIMEDOUT) after the idle timeout, connections are kept alive between requests, and a
// request with `sendIf` is asked once connected, and sends nothing when it says no.
import assert from 'node:assert/strict';
import diagnostics from 'node:diagnostics_channel';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { after, test } from 'node:test';
import { failureOf } from '../../src/oci/failures.js';
import { Dispatcher, httpRequest, NotSentError } from '../../src/oci/http.js';

const servers: Server[] = [];
after(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void) {
  const sockets = new Set<Socket>();
  const server = createServer(handler);
  server.keepAliveTimeout = 60_000; // Node's server would close idle connections after 5 s
  server.on('connection', (s) => sockets.add(s));
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/x`, sockets };
}

const send = (
  url: string,
  dispatcher: Dispatcher,
  extra: { method?: string; body?: string } = {},
) =>
  httpRequest(url, {
    method: extra.method ?? 'GET',
    headers: {},
    ...(extra.body !== undefined ? { body: extra.body } : {}),
    dispatcher,
    idleTimeoutMs: 300,
  });

test('no proxy set: node:http, bodies in memory with their length, one kept-alive connection', async () => {
  const seen: string[] = [];
  const { url, sockets } = await serve((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c;
    });
    req.on('end', () => {
      seen.push(
        `${req.headers['content-length']} ${req.headers['transfer-encoding'] ?? '-'} ${body}`,
      );
      res.end('ok');
    });
  });
  const d = new Dispatcher();
  assert.equal(d.proxied, false);
  for (const body of ['héllo', 'again']) {
    const res = await send(url, d, { method: 'PUT', body });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'ok');
    assert.ok(res.roundTripMs >= 0);
  }
  assert.deepEqual(seen, ['6 - héllo', '5 - again']);
  assert.equal(sockets.size, 1);
});

test('a connection dropped mid-body fails its reader; an unread body does not crash the step', async () => {
  const { url } = await serve((_req, res) => {
    res.writeHead(200, { 'content-length': '1000' });
    res.write('partial');
    setTimeout(() => res.socket?.destroy(), 20);
  });
  const d = new Dispatcher();
  // Never read: Node emits a response's error only to listeners, so this one must not crash.
  const unread = await send(url, d);
  const read = await send(url, d);
  await assert.rejects(read.bytes(), (e: unknown) => failureOf(e) === 'reset');
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(unread.status, 200);
});

test('a server silent after its headers: the body fails as a stall after the idle timeout', async () => {
  const { url } = await serve((_req, res) => {
    res.writeHead(200, { 'content-length': '10' });
    res.write('a');
  });
  const res = await send(url, new Dispatcher());
  const t = performance.now();
  await assert.rejects(
    res.bytes(),
    (e: unknown) => (e as { code?: string }).code === 'ETIMEDOUT' && failureOf(e) === 'stalled',
  );
  assert.ok(performance.now() - t < 3000);
});

test('a body all here but read later than the idle timeout is not a stall', async () => {
  const { url } = await serve((_req, res) => res.end('whole answer'));
  const res = await send(url, new Dispatcher());
  await new Promise((r) => setTimeout(r, 600)); // twice the idle timeout, nothing read
  assert.equal(await res.text(), 'whole answer');
});

test('an idle kept-alive connection is closed after 4 s (a server closing it first cannot race us)', async () => {
  let closed = 0;
  const { url, sockets } = await serve((_req, res) => res.end('ok'));
  const d = new Dispatcher();
  const res = await send(url, d);
  await res.text();
  for (const s of sockets) s.on('close', () => closed++);
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal(closed, 0, 'kept alive for reuse meanwhile');
  for (let i = 0; i < 40 && closed === 0; i++) await new Promise((r) => setTimeout(r, 100));
  assert.equal(closed, 1, 'closed by us, within 5 s');
});

test('sendIf: asked once the connection is up, before a byte is written; no leaves it unsent', async () => {
  let connections = 0;
  const bodies: string[] = [];
  const { url } = await serve((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c;
    });
    req.on('end', () => {
      bodies.push(body);
      res.end('ok');
    });
  });
  const server = servers.at(-1);
  server?.on('connection', () => connections++);
  const d = new Dispatcher();
  const asked: number[] = [];
  let started = 0;
  const onStart = () => started++;
  diagnostics.subscribe('http.client.request.start', onStart);
  after(() => diagnostics.unsubscribe('http.client.request.start', onStart));
  const put = (answer: boolean) =>
    httpRequest(url, {
      method: 'PUT',
      headers: {},
      body: 'merged list',
      dispatcher: d,
      idleTimeoutMs: 1000,
      sendIf: () => {
        asked.push(connections);
        return answer;
      },
    });
  // A new connection: asked once it is connected (the server has seen it), nothing sent.
  await assert.rejects(put(false), (e: unknown) => e instanceof NotSentError);
  assert.deepEqual(asked, [1]);
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(bodies, [], 'the server received no request');
  // Yes: sent as any; then again on the kept-alive connection, asked before it is written.
  assert.equal(await (await put(true)).text(), 'ok');
  assert.equal(await (await put(true)).text(), 'ok');
  await assert.rejects(put(false), (e: unknown) => e instanceof NotSentError);
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(bodies, ['merged list', 'merged list']);
  assert.equal(asked.length, 4);
  assert.ok(asked.every((n) => n >= 1));
  // Each sent request started once (one ended from its kept-alive socket's 'socket' event
  // would be finished, and published, twice).
  assert.equal(started, 2);
});
