// The layer build's encoder thread (src/artifact/layer-sink.ts, layer-worker.ts): the same bytes
// as deflating on the build's own thread and as Go's gzip (gzipSync, which Go judges in
// test/integration/deflate-go.test.ts), a fallback when the thread cannot start, failures that
// surface as the same errors, nothing left running, bounded memory.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs, { closeSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { buildLayer } from '../../src/artifact/build.js';
import { gzipSync } from '../../src/artifact/deflate/index.js';
import { BATCH, LayerSink } from '../../src/artifact/layer-sink.js';
import { rng, tarLike, yaml } from '../tools/gogzip/corpus.js';

let work = '';
let tree = '';
before(async () => {
  work = await mkdtemp(join(tmpdir(), 'layer-thread-'));
  // ~3 MiB: many small YAML files, random ones, an empty one, and one spanning several batches.
  tree = join(work, 'tree');
  const r = rng(0x1a7e);
  for (let i = 0; i < 120; i++) {
    const dir = join(tree, `ns-${i % 7}`);
    await mkdir(dir, { recursive: true });
    const size = 1 + Math.floor(r() * 30_000);
    const body =
      i % 10 === 3
        ? Buffer.from(Array.from({ length: size }, () => Math.floor(r() * 256)))
        : yaml(size, r);
    await writeFile(join(dir, `m-${i}.yaml`), body);
  }
  await writeFile(join(tree, 'empty.yaml'), '');
  await writeFile(join(tree, 'big.tar'), tarLike(13 * BATCH + 1234, r));
});
after(async () => {
  await rm(work, { recursive: true, force: true });
});

const sha = (b: Uint8Array) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

function leftovers(): string[] {
  return readdirSync(work).filter((n) => n.startsWith('flux-layer-'));
}

describe('layer encoder thread', () => {
  for (const gzip of ['go1.27', 'go1.26'] as const) {
    test(`${gzip}: the encoder thread, the build's thread and Go's gzip write the same bytes`, async () => {
      const got: Record<string, Buffer> = {};
      for (const encoderThread of ['main', 'worker', 'auto'] as const) {
        const layer = await buildLayer({ path: tree, tmpDir: work, gzip, encoderThread });
        try {
          const bytes = readFileSync(layer.file);
          assert.equal(layer.encoder, encoderThread === 'main' ? 'main' : 'worker', encoderThread);
          assert.equal(layer.digest, sha(bytes));
          assert.equal(layer.size, bytes.length);
          const tar = gunzipSync(bytes);
          assert.equal(layer.tarDigest, sha(tar));
          assert.equal(layer.tarSize, tar.length);
          assert.ok(tar.length > 17 * BATCH, 'the tree is bigger than the inline limit (4 MiB)');
          // The one-call encoder (no thread, no batches) is the oracle.
          assert.ok(
            bytes.equals(gzipSync(tar, gzip)),
            `${encoderThread}: not Go's gzip of the tar`,
          );
          got[encoderThread] = bytes;
        } finally {
          await layer.cleanup();
        }
      }
      assert.ok(got.main?.equals(got.worker as Buffer));
    });
  }

  test("a small tree is deflated on the build's thread (no wait for the thread)", async () => {
    const small = join(work, 'small');
    await mkdir(small);
    await writeFile(join(small, 'a.yaml'), 'a: 1\n');
    await writeFile(join(small, 'b.yaml'), yaml(5000, rng(3)));
    const layer = await buildLayer({ path: small, tmpDir: work, gzip: 'go1.27' });
    try {
      assert.equal(layer.encoder, 'main');
      const bytes = readFileSync(layer.file);
      assert.ok(bytes.equals(gzipSync(gunzipSync(bytes), 'go1.27')));
    } finally {
      await layer.cleanup();
    }
  });

  test('a tree under 3 MiB of tar never starts the thread (issue 10: its start costs more than it saves there)', async () => {
    const mid = join(work, 'mid');
    await mkdir(mid);
    await writeFile(join(mid, 'a.yaml'), yaml(10 * BATCH, rng(4)));
    const layer = await buildLayer({ path: mid, tmpDir: work, gzip: 'go1.27' });
    try {
      assert.equal(layer.encoder, 'main');
      assert.ok(layer.tarSize > 8 * BATCH, 'past the former 512 KiB threshold');
    } finally {
      await layer.cleanup();
    }
  });

  /** Feeds `data` through a LayerSink with encoder thread `script` into a file; returns it. */
  async function throughSink(
    script: URL,
    data: Uint8Array,
  ): Promise<{ bytes: Buffer; thread: string }> {
    const sink = new LayerSink('go1.27', 'worker', script);
    const file = join(work, `sink-${Math.random().toString(36).slice(2)}.gz`);
    const fd = openSync(file, 'wx', 0o600);
    try {
      sink.attach(fd);
      let buf = sink.first();
      for (let off = 0; off < data.length; ) {
        const n = Math.min(buf.length, data.length - off);
        buf.set(data.subarray(off, off + n));
        off += n;
        buf = await sink.put(buf, n);
      }
      await sink.finish();
      return { bytes: readFileSync(file), thread: sink.thread };
    } finally {
      await sink.close();
      closeSync(fd);
      await rm(file, { force: true });
    }
  }

  const fixture = (name: string) => new URL(`../fixtures/layer-worker/${name}`, import.meta.url);

  test("a thread that cannot start: the build's thread deflates, same bytes", async () => {
    const data = yaml(20 * BATCH, rng(11)); // more than the 16 buffers in flight
    for (const name of ['throws-at-start.mjs', 'no-such-worker.mjs']) {
      const { bytes, thread } = await throughSink(fixture(name), data);
      assert.equal(thread, 'main', name);
      assert.ok(bytes.equals(gzipSync(data, 'go1.27')), name);
    }
  });

  test('a thread that fails or dies mid-stream fails the build with its error', async () => {
    const data = yaml(20 * BATCH, rng(12));
    await assert.rejects(throughSink(fixture('fails-mid-stream.mjs'), data), (err: unknown) => {
      const e = err as NodeJS.ErrnoException;
      return e instanceof Error && e.code === 'EIO' && /^EIO: i\/o error/.test(e.message);
    });
    await assert.rejects(
      throughSink(fixture('exits-mid-stream.mjs'), data),
      /the layer encoder thread stopped \(exit code 7\)/,
    );
  });

  test('a failed write of the layer file is the same error on either thread; nothing is left', async () => {
    const realWrite = fs.writeSync;
    let writes = 0;
    fs.writeSync = ((...args: Parameters<typeof realWrite>) => {
      if (++writes > 3) {
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), {
          code: 'ENOSPC',
          syscall: 'write',
        });
      }
      return realWrite(...args);
    }) as typeof realWrite;
    syncBuiltinESMExports();
    try {
      for (const encoderThread of ['main', 'worker'] as const) {
        writes = 0;
        await assert.rejects(
          buildLayer({ path: tree, tmpDir: work, gzip: 'go1.27', encoderThread }),
          (err: unknown) => (err as NodeJS.ErrnoException).code === 'ENOSPC',
          encoderThread,
        );
        assert.deepEqual(leftovers(), [], 'the temporary layer directory is removed');
      }
    } finally {
      fs.writeSync = realWrite;
      syncBuiltinESMExports();
    }
  });

  test('memory stays bounded with the encoder thread: 128 MiB archived', async (t) => {
    const root = join(work, 'big');
    await mkdir(root);
    const fh = await open(join(root, 'sparse.bin'), 'w');
    await fh.truncate(128 << 20); // sparse: cheap to create, still 128 MiB to read and deflate
    await fh.close();
    const before = process.memoryUsage().rss;
    let peak = before;
    const timer = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 10);
    const layer = await buildLayer({ path: root, tmpDir: work, gzip: 'go1.27' });
    clearInterval(timer);
    try {
      assert.equal(layer.encoder, 'worker');
      assert.equal(layer.tarSize, 2 * 512 + (128 << 20) + 1024);
      const growth = (peak - before) / 2 ** 20;
      t.diagnostic(`RSS growth ${growth.toFixed(1)} MiB for 128 MiB archived`);
      assert.ok(growth < 64, `RSS grew by ${growth.toFixed(1)} MiB while archiving 128 MiB`);
    } finally {
      await layer.cleanup();
    }
  });
});
