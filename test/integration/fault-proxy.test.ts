// The fault proxy (test/harness/fault-proxy.ts) itself: each fault has the shape it claims, seen
// by a plain HTTP client (undici) against a small upstream that records what reached it, and
// against the real distribution registry (uploads through the proxy, seeded replay).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { request } from 'undici';
import {
  type FAULT_KINDS,
  type FaultProxy,
  startFaultProxy,
  startFaultyRegistry,
} from '../harness/fault-proxy.js';

const BODY = Buffer.alloc(64 * 1024, 'x');

describe('fault proxy: fault shapes', () => {
  let upstream: Server;
  let upHost: string;
  const applied: string[] = [];
  before(async () => {
    upstream = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        applied.push(`${req.method} ${req.url} ${Buffer.concat(chunks).length}`);
        if (req.url === '/chunked') {
          // No Content-Length: chunked transfer encoding.
          res.writeHead(200, { 'content-type': 'application/octet-stream' });
          res.write(BODY.subarray(0, 1000));
          setTimeout(() => res.end(BODY.subarray(1000)), 20);
          return;
        }
        if (req.method === 'HEAD') return res.writeHead(200, { 'content-length': '5' }).end();
        res.writeHead(200, { 'content-length': String(BODY.length) }).end(BODY);
      });
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
    upHost = `127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise<void>((r) => upstream.close(() => r()));
  });

  async function withProxy(
    fault: (typeof FAULT_KINDS)[number],
    fn: (p: FaultProxy) => Promise<void>,
    extra: { stallMs?: number; hangMs?: number } = {},
  ) {
    const p = await startFaultProxy({
      upstream: upHost,
      seed: 1,
      rules: [{ rate: 1, faults: [fault], limit: 1 }],
      stallMs: extra.stallMs ?? 300,
      hangMs: extra.hangMs ?? 300,
    });
    try {
      await fn(p);
    } finally {
      await p.stop();
    }
  }

  async function get(p: FaultProxy, path = '/x', method: 'GET' | 'PUT' | 'HEAD' = 'GET') {
    const res = await request(`http://${p.host}${path}`, {
      method,
      ...(method === 'PUT' ? { body: 'hello' } : {}),
      bodyTimeout: 5000,
      headersTimeout: 5000,
    });
    const bytes = Buffer.from(await res.body.arrayBuffer());
    return { status: res.statusCode, headers: res.headers, bytes };
  }

  test('passes through when no rule matches, and after the limit', async () => {
    await withProxy('status5xx', async (p) => {
      p.setRules([{ method: 'DELETE', rate: 1 }]);
      const r = await get(p);
      assert.equal(r.status, 200);
      assert.equal(r.bytes.length, BODY.length);
      assert.equal(p.counters().faults, 0);
      assert.equal(p.counters().requests, 1);
    });
  });

  test('status5xx and status429 answer without forwarding; 429 carries Retry-After', async () => {
    for (const fault of ['status5xx', 'status429'] as const) {
      applied.length = 0;
      await withProxy(fault, async (p) => {
        const r = await get(p, '/fault', 'PUT');
        assert.ok(fault === 'status429' ? r.status === 429 : r.status >= 500, String(r.status));
        if (fault === 'status429') assert.equal(r.headers['retry-after'], '1');
        assert.deepEqual(applied, [], 'nothing reached the upstream');
        const again = await get(p, '/fault', 'PUT');
        assert.equal(again.status, 200, 'limit 1: the next one passes');
        assert.deepEqual(applied, ['PUT /fault 5']);
        assert.equal(p.counters().byKind[fault], 1);
      });
    }
  });

  test('resetBefore: the client sees a reset and the upstream nothing', async () => {
    applied.length = 0;
    await withProxy('resetBefore', async (p) => {
      await assert.rejects(get(p, '/r', 'PUT'), (e: Error) =>
        /socket|closed|reset/i.test(`${e.message} ${(e as { code?: string }).code}`),
      );
      assert.deepEqual(applied, []);
    });
  });

  test('resetAfterApplied and gatewayAfterApplied: the upstream applied it, the answer is lost', async () => {
    applied.length = 0;
    await withProxy('resetAfterApplied', async (p) => {
      await assert.rejects(get(p, '/a', 'PUT'));
      assert.deepEqual(applied, ['PUT /a 5']);
    });
    applied.length = 0;
    await withProxy('gatewayAfterApplied', async (p) => {
      const r = await get(p, '/g', 'PUT');
      assert.equal(r.status, 502);
      assert.deepEqual(applied, ['PUT /g 5']);
    });
  });

  test('resetMidBody: headers and part of the body, then a reset (with and without Content-Length)', async () => {
    for (const path of ['/x', '/chunked']) {
      await withProxy('resetMidBody', async (p) => {
        const res = await request(`http://${p.host}${path}`, { bodyTimeout: 5000 });
        assert.equal(res.statusCode, 200);
        let got = 0;
        await assert.rejects(
          (async () => {
            for await (const c of res.body) got += (c as Buffer).length;
          })(),
        );
        assert.ok(got > 0 && got < BODY.length, `${path}: got ${got} bytes`);
      });
    }
  });

  test('resetMidBody on an empty body drops the response instead', async () => {
    await withProxy('resetMidBody', async (p) => {
      await assert.rejects(get(p, '/h', 'HEAD'));
      assert.equal(p.counters().byKind.resetAfterApplied, 1);
      assert.equal(p.counters().byKind.resetMidBody, 0);
    });
  });

  test('stallMidBody goes silent (a client body timeout fires), hang never answers', async () => {
    await withProxy(
      'stallMidBody',
      async (p) => {
        const res = await request(`http://${p.host}/x`, { bodyTimeout: 200 });
        const t0 = Date.now();
        await assert.rejects(
          res.body.arrayBuffer(),
          (e: { code?: string }) => e.code === 'UND_ERR_BODY_TIMEOUT',
        );
        assert.ok(Date.now() - t0 < 4000);
      },
      { stallMs: 5000 },
    );
    await withProxy(
      'hang',
      async (p) => {
        await assert.rejects(
          request(`http://${p.host}/x`, { headersTimeout: 200 }),
          (e: { code?: string }) => e.code === 'UND_ERR_HEADERS_TIMEOUT',
        );
      },
      { hangMs: 5000 },
    );
  });

  test('same seed, same requests: same faults; rate is honoured', async () => {
    const run = async (seed: number) => {
      const p = await startFaultProxy({
        upstream: upHost,
        seed,
        rules: [{ rate: 0.3, faults: ['status5xx', 'status429', 'gatewayAfterApplied'] }],
      });
      try {
        for (let i = 0; i < 100; i++) await get(p, `/s${i}`);
        return { log: p.log().map((f) => `${f.seq}:${f.fault}`), n: p.counters().faults };
      } finally {
        await p.stop();
      }
    };
    const a = await run(42);
    const b = await run(42);
    const c = await run(43);
    assert.deepEqual(a.log, b.log);
    assert.notDeepEqual(a.log, c.log);
    assert.ok(a.n > 15 && a.n < 45, `30% of 100 → ${a.n}`);
  });
});

describe('fault proxy: latency and what it answers bytes it cannot parse', () => {
  let upstream: Server;
  let upHost: string;
  before(async () => {
    upstream = createServer((_req, res) => res.end('ok'));
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
    upHost = `127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise<void>((r) => upstream.close(() => r()));
  });

  /** Sends `requests` GETs one after the other on one new connection; each one's ms. */
  const timed = (host: string, requests: number, openedAheadMs = 0) =>
    new Promise<number[]>((resolve, reject) => {
      const [h, port] = host.split(':');
      const times: number[] = [];
      const socket = connect(Number(port), h, () => {
        let sent = 0;
        let t = 0;
        let buffered = '';
        const send = () => {
          t = performance.now();
          sent++;
          socket.write(`GET /x HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
        };
        socket.on('data', (d: Buffer) => {
          buffered += d.toString();
          if (!buffered.endsWith('ok')) return;
          buffered = '';
          times.push(performance.now() - t);
          if (sent < requests) send();
          else {
            socket.end();
            resolve(times);
          }
        });
        setTimeout(send, openedAheadMs);
      });
      socket.on('error', reject);
    });

  test("a round trip per request, and two more for a connection's handshakes, counted from when it was opened", async () => {
    const p = await startFaultProxy({ upstream: upHost, seed: 1, latency: { rttMs: 60 } });
    try {
      const [first, second] = await timed(p.host, 2);
      assert.ok(first !== undefined && first >= 60 * 3 - 5, `first request ${first} ms`);
      assert.ok(second !== undefined && second >= 60 - 5 && second < 60 * 3, `second ${second} ms`);
      // A connection opened 200 ms before its first request has paid its handshakes by then.
      const [ahead] = await timed(p.host, 1, 200);
      assert.ok(ahead !== undefined && ahead >= 60 - 5 && ahead < 60 * 3, `ahead ${ahead} ms`);
    } finally {
      await p.stop();
    }
  });

  test('a TLS ClientHello is answered 400, as a Go registry answers it (clients fall back to http at once)', async () => {
    const p = await startFaultProxy({ upstream: upHost, seed: 1 });
    try {
      const [h, port] = p.host.split(':');
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = connect(Number(port), h, () =>
          socket.write(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03])),
        );
        let got = '';
        socket.on('data', (d: Buffer) => {
          got += d.toString();
        });
        socket.on('close', () => resolve(got));
        socket.on('error', reject);
      });
      assert.match(answer, /^HTTP\/1\.1 400 /);
    } finally {
      await p.stop();
    }
  });
});

describe('fault proxy: in front of distribution', () => {
  let reg: Awaited<ReturnType<typeof startFaultyRegistry>>;
  before(async () => {
    reg = await startFaultyRegistry({}, { seed: 7, rules: [] });
  });
  after(async () => {
    await reg?.stop();
  });

  test('a blob upload through the proxy lands in the registry; the Location comes back to the proxy', async () => {
    const blob = Buffer.from('fault proxy blob');
    const digest = `sha256:${createHash('sha256').update(blob).digest('hex')}`;
    const start = await request(`http://${reg.host}/v2/fp/test/blobs/uploads/`, { method: 'POST' });
    await start.body.dump();
    assert.equal(start.statusCode, 202);
    const location = new URL(String(start.headers.location), `http://${reg.host}`);
    assert.equal(location.host, reg.host, 'Location points at the proxy');
    location.searchParams.set('digest', digest);
    // The final PUT is applied, then its answer dropped: the blob is there all the same.
    reg.proxy.setRules([{ method: 'PUT', rate: 1, faults: ['resetAfterApplied'], limit: 1 }]);
    await assert.rejects(request(location, { method: 'PUT', body: blob }));
    const head = await request(`http://${reg.direct}/v2/fp/test/blobs/${digest}`, {
      method: 'HEAD',
    });
    await head.body.dump();
    assert.equal(head.statusCode, 200);
    assert.equal(reg.proxy.counters().byKind.resetAfterApplied, 1);
  });
});
