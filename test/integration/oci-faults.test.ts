// RegistryClient through the fault proxy in front of real registries (distribution 2.8 and
// go-containerregistry's): lost answers to upload PUTs, resets and stalls mid-body on manifests,
// tag lists and blobs, and answers without Content-Length that would not end.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { RegistryClient, type RegistryClientOptions } from '../../src/oci/client.js';
import { deadlineIn } from '../../src/oci/deadline.js';
import { RegistryNetworkError } from '../../src/oci/errors.js';
import { parseRepository } from '../../src/oci/reference.js';
import { MEDIA_TYPE } from '../../src/oci/types.js';
import { type FaultyRegistry, startFaultyRegistry } from '../harness/fault-proxy.js';

const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const fast: RegistryClientOptions = {
  retry: { baseDelayMs: 20, maxAttempts: 5 },
  timeoutMs: 60_000,
  idleTimeoutMs: 500,
};

function client(host: string, path: string, options: RegistryClientOptions = {}) {
  return new RegistryClient(parseRepository(`${host}/${path}`), { ...fast, ...options });
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function pushManifest(c: RegistryClient, layer: Buffer, tag: string) {
  const empty = Buffer.from('{}');
  await c.uploadBlob({ bytes: empty }, sha256(empty), 2);
  await c.uploadBlob({ bytes: layer }, sha256(layer), layer.length);
  const bytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA_TYPE.ociManifest,
      config: { mediaType: MEDIA_TYPE.ociEmpty, digest: sha256(empty), size: 2 },
      layers: [
        { mediaType: 'application/octet-stream', digest: sha256(layer), size: layer.length },
      ],
    }),
  );
  await c.putManifest(tag, bytes, MEDIA_TYPE.ociManifest);
  return sha256(bytes);
}

for (const referrers of [false, true]) {
  describe(`client under faults (${referrers ? 'referrers registry' : 'distribution'})`, () => {
    let reg: FaultyRegistry;
    before(async () => {
      reg = await startFaultyRegistry({ referrers }, { seed: 11, stallMs: 3000, hangMs: 3000 });
    });
    after(async () => {
      await reg?.stop();
    });

    for (const fault of ['resetAfterApplied', 'gatewayAfterApplied'] as const) {
      test(`the final upload PUT is applied but its answer lost (${fault}): HEAD decides, no failure`, async () => {
        reg.proxy.setRules([
          { method: 'PUT', path: /\/blobs\/uploads\//, rate: 1, faults: [fault], limit: 1 },
        ]);
        const blob = randomBytes(5000);
        const c = client(reg.host, `faults/${fault.toLowerCase()}`);
        assert.equal(await c.uploadBlob({ bytes: blob }, sha256(blob), blob.length), true);
        assert.equal(reg.proxy.counters().byKind[fault] >= 1, true);
        const direct = client(reg.direct, `faults/${fault.toLowerCase()}`);
        assert.equal(await direct.blobExists(sha256(blob)), true);
        assert.deepEqual(await readAll(await direct.fetchBlob(sha256(blob))), blob);
      });
    }

    test('an upload whose PUT never gets through restarts the session, within the retry limit', async () => {
      reg.proxy.setRules([
        { method: 'PUT', path: /\/blobs\/uploads\//, rate: 1, faults: ['resetBefore'], limit: 3 },
      ]);
      const blob = randomBytes(3000);
      const c = client(reg.host, 'faults/restart');
      assert.equal(await c.uploadBlob({ bytes: blob }, sha256(blob), blob.length), true);
      assert.equal(await client(reg.direct, 'faults/restart').blobExists(sha256(blob)), true);
    });

    test('resets and stalls mid-body on manifest, tag list and blob GETs are retried', async () => {
      reg.proxy.setRules([]);
      const layer = randomBytes(200_000);
      const c = client(reg.host, 'faults/reads');
      const digest = await pushManifest(c, layer, 'v1');
      for (const fault of ['resetMidBody', 'stallMidBody'] as const) {
        reg.proxy.setRules([{ method: 'GET', rate: 1, faults: [fault], limit: 1 }]);
        assert.equal((await c.getManifest('v1')).digest, digest);
        reg.proxy.setRules([
          { method: 'GET', path: /tags\/list/, rate: 1, faults: [fault], limit: 1 },
        ]);
        assert.deepEqual(await c.listTags(), ['v1']);
        reg.proxy.setRules([
          { method: 'GET', path: /\/blobs\//, rate: 1, faults: [fault], limit: 2 },
        ]);
        assert.deepEqual(await readAll(await c.fetchBlob(sha256(layer))), layer);
        assert.ok(reg.proxy.counters().byKind[fault] >= 3);
      }
    });

    test('faults on every attempt: fails after the retry limit, naming registry and operation', async () => {
      reg.proxy.setRules([
        { method: 'GET', path: /manifests\/v1/, rate: 1, faults: ['status5xx', 'resetMidBody'] },
      ]);
      const c = client(reg.host, 'faults/reads', { retry: { baseDelayMs: 5, maxAttempts: 3 } });
      await assert.rejects(c.getManifest('v1'), (e: unknown) => {
        assert.ok(e instanceof RegistryNetworkError, String(e));
        assert.equal(e.data.exhausted, true);
        assert.equal(e.data.reached, true);
        assert.equal(e.data.registry, reg.host);
        assert.equal(e.data.operation, 'GET manifest v1');
        assert.match(e.message, /after 3 attempts \(retry limit reached\)$/);
        return true;
      });
      reg.proxy.setRules([]);
    });
  });
}

describe('bounded reads', () => {
  let server: Server;
  let host: string;
  before(async () => {
    // Answers every GET with 200 and a body that never ends, without Content-Length.
    server = createServer((req, res) => {
      const type = req.url?.includes('referrers') ? MEDIA_TYPE.ociIndex : MEDIA_TYPE.ociManifest;
      res.writeHead(200, { 'content-type': type });
      res.write('{"schemaVersion":2,"manifests":[');
      const chunk = Buffer.alloc(256 * 1024, ' ');
      const pump = () => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once('drain', pump);
      };
      pump();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  test('manifest, tag list, referrers and referrers-tag reads stop at their cap without Content-Length', async () => {
    const c = client(host, 'bounded/app');
    const rss0 = process.memoryUsage().rss;
    const reads: [string, () => Promise<unknown>][] = [
      ['GET manifest latest', () => c.getManifest('latest')],
      ['list tags', () => c.listTags()],
      [
        `GET referrers of sha256:${'a'.repeat(64)}`,
        () => c.listReferrers(`sha256:${'a'.repeat(64)}`),
      ],
    ];
    for (const [operation, read] of reads) {
      await assert.rejects(read(), (e: unknown) => {
        assert.ok(e instanceof RegistryNetworkError, String(e));
        assert.equal(e.data.failure, 'too-large');
        assert.equal(e.data.operation, operation);
        return true;
      });
    }
    const grew = (process.memoryUsage().rss - rss0) / 2 ** 20;
    assert.ok(grew < 100, `RSS grew by ${grew.toFixed(0)} MiB`);
  });
});

test('the overall deadline stops a blob body that trickles, naming registry and operation', async () => {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-length': '1000000' });
    const t = setInterval(() => res.write('x'), 100); // never idle, never done
    res.on('close', () => clearInterval(t));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const c = client(host, 'deadline/app', { deadline: deadlineIn(1500), idleTimeoutMs: 5000 });
    const digest = `sha256:${'b'.repeat(64)}`;
    const started = Date.now();
    await assert.rejects(readAll(await c.fetchBlob(digest)), (e: unknown) => {
      assert.ok(e instanceof RegistryNetworkError, String(e));
      assert.equal(e.data.failure, 'deadline');
      assert.equal(
        e.message,
        `registry ${host}: GET blob ${digest}: not done within the deadline of 1.5 s`,
      );
      return true;
    });
    assert.ok(Date.now() - started < 4000);
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});

describe('chunked uploads under faults (distribution)', () => {
  let reg: FaultyRegistry;
  before(async () => {
    reg = await startFaultyRegistry({}, { seed: 21 });
  });
  after(async () => {
    await reg?.stop();
  });

  for (const fault of ['resetBefore', 'resetAfterApplied', 'status5xx', 'resetMidBody'] as const) {
    test(`PATCH chunks and the closing PUT with ${fault} faults: the blob lands intact`, async () => {
      const blob = randomBytes(40_000);
      const c = client(reg.host, `chunks/${fault.toLowerCase()}`, {
        chunkThreshold: 10_000,
        chunkSize: 8_000,
        retry: { baseDelayMs: 5, maxAttempts: 5 },
      });
      // The second and third chunk fail, then the closing PUT: deterministic.
      reg.proxy.setRules([
        {
          method: 'PATCH',
          path: /\/blobs\/uploads\//,
          rate: 1,
          faults: [fault],
          skip: 1,
          limit: 2,
        },
        { method: 'PUT', path: /\/blobs\/uploads\//, rate: 1, faults: [fault], limit: 1 },
      ]);
      const before = reg.proxy.counters().faults;
      assert.equal(await c.uploadBlob({ bytes: blob }, sha256(blob), blob.length), true);
      assert.equal(reg.proxy.counters().faults - before, 3);
      reg.proxy.setRules([]);
      const direct = client(reg.direct, `chunks/${fault.toLowerCase()}`);
      assert.deepEqual(await readAll(await direct.fetchBlob(sha256(blob))), blob);
    });
  }
});
