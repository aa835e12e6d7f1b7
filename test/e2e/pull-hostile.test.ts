// Hostile artifacts against the bundled pull (dist under Node 24) and a real registry: every one is
// refused with one line, or (links) extracted without them; nothing is ever written outside
// `output`, and after a failure nothing is left in it, not even a temporary directory.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { buildManifest, configBlob } from '../../src/artifact/index.js';
import { RegistryClient } from '../../src/oci/client.js';
import { parseRepository } from '../../src/oci/reference.js';
import { MEDIA_TYPE } from '../../src/oci/types.js';
import { type RunResult, runAction } from '../harness/action.js';
import { startRegistry, type TestRegistry } from '../harness/registry.js';
import { type CraftEntry, craftTar, gz, paxRecord, sha256, tarEntry } from '../harness/tarcraft.js';

const MiB = 1 << 20;
/** 64 MiB of zeros as one gzip member (~64 KiB); members concatenate into one stream. */
const zeros64 = () => gzipSync(Buffer.alloc(64 * MiB), { level: 9 });

interface Case {
  name: string;
  layer: () => Buffer;
  inputs?: Record<string, string>;
  /** Expected error, or 'ok' for an artifact that extracts (its links left out). */
  expect: RegExp | 'ok';
  /** Extra checks on the extracted output. */
  check?: (out: string) => void;
  /** Manifest size for the layer when it should lie. */
  size?: (layer: Buffer) => number;
}

const file = (name: string, data = 'x'): CraftEntry => ({ name, data });

const CASES: Case[] = [
  {
    name: 'traversal ../',
    layer: () => gz(craftTar([file('../escape.txt')])),
    expect: /'\.\.' component/,
  },
  {
    name: 'traversal after good entries',
    layer: () => gz(craftTar([file('ok.yaml'), file('a/b.yaml'), file('a/../../escape.txt')])),
    expect: /'\.\.' component/,
  },
  {
    name: 'traversal in a PAX path',
    layer: () =>
      gz(
        craftTar([
          { name: 'PaxHeaders/x', type: 'x', data: paxRecord('path', '../../pax-escape') },
          file('innocent'),
        ]),
      ),
    expect: /'\.\.' component/,
  },
  {
    name: 'traversal in a GNU long name',
    layer: () =>
      gz(craftTar([{ name: '././@LongLink', type: 'L', data: '../gnu-escape\0' }, file('x')])),
    expect: /'\.\.' component/,
  },
  {
    name: 'absolute path',
    layer: () => gz(craftTar([file(`/tmp/flux-oci-hostile-${process.pid}`)])),
    expect: /absolute path/,
  },
  { name: 'backslash name', layer: () => gz(craftTar([file('..\\..\\x')])), expect: /backslash/ },
  {
    name: 'non-UTF-8 name',
    layer: () => gz(craftTar([{ name: Buffer.from([0x61, 0xff]), data: 'x' }])),
    expect: /not valid UTF-8/,
  },
  {
    name: 'character device',
    layer: () => gz(craftTar([{ name: 'tty', type: '3' }])),
    expect: /type '3'/,
  },
  {
    name: 'block device',
    layer: () => gz(craftTar([{ name: 'sda', type: '4' }])),
    expect: /type '4'/,
  },
  { name: 'FIFO', layer: () => gz(craftTar([{ name: 'fifo', type: '6' }])), expect: /type '6'/ },
  {
    name: 'GNU sparse file',
    layer: () => gz(craftTar([{ name: 's', type: 'S' }])),
    expect: /type 'S'/,
  },
  {
    name: 'symlink out, then a file through it',
    layer: () =>
      gz(craftTar([{ name: 'link', type: '2', linkname: '/outside' }, file('link/x', 'through?')])),
    expect: 'ok',
    check: (out) => assert.deepEqual(readdirSync(join(out, 'link')), ['x']),
  },
  {
    name: 'hard link to /etc/passwd and a ../ symlink',
    layer: () =>
      gz(
        craftTar([
          { name: 'hard', type: '1', linkname: '/etc/passwd' },
          { name: 'up', type: '2', linkname: '../../../../' },
          file('kept.yaml'),
        ]),
      ),
    expect: 'ok',
    check: (out) => assert.deepEqual(readdirSync(out), ['kept.yaml']),
  },
  {
    name: 'PAX header of 2 MiB',
    layer: () =>
      gz(
        craftTar([
          { name: 'h', type: 'x', data: paxRecord('comment', 'p'.repeat(2 * MiB)) },
          file('x'),
        ]),
      ),
    expect: /extended header too large/,
  },
  {
    name: 'PAX bomb: 1 MiB PAX headers repeated past max-size',
    layer: () => {
      const one = gzipSync(
        tarEntry({ name: 'h', type: 'x', data: paxRecord('comment', 'p'.repeat(MiB - 64)) }),
      );
      return Buffer.concat(Array.from({ length: 400 }, () => one));
    },
    inputs: { 'max-size': '64MiB' },
    expect: /decompresses to more than the limit of 67108864 bytes/,
  },
  {
    name: 'PAX path of 6000 bytes',
    layer: () =>
      gz(
        craftTar([{ name: 'h', type: 'x', data: paxRecord('path', 'a/'.repeat(3000)) }, file('x')]),
      ),
    expect: /name longer than 4095 bytes/,
  },
  {
    name: 'GNU long name component of 300 bytes',
    layer: () =>
      gz(craftTar([{ name: '././@LongLink', type: 'L', data: `${'n'.repeat(300)}\0` }, file('x')])),
    expect: /component longer than 255 bytes/,
  },
  {
    name: 'claimed size of 10 TiB',
    layer: () => gz(craftTar([{ name: 'huge', size: 10 * 1024 ** 4 }], { trailer: false })),
    expect: /exceed the limit of 1073741824 bytes/,
  },
  {
    name: 'bomb inside: a 2 GiB file of zeros',
    layer: () =>
      Buffer.concat([
        gzipSync(tarEntry({ name: 'zeros', size: 2 * 1024 * MiB })),
        ...Array.from({ length: 32 }, zeros64Cached),
      ]),
    expect: /exceed the limit of 1073741824 bytes/,
  },
  {
    name: 'bomb inside: 40 files of 1 MiB past max-size 16MiB',
    layer: () => {
      const named = (i: number) => gzipSync(tarEntry({ name: `f${i}`, data: Buffer.alloc(MiB) }));
      return Buffer.concat(Array.from({ length: 40 }, (_, i) => named(i)));
    },
    inputs: { 'max-size': '16MiB' },
    expect: /limit of 16777216 bytes/,
  },
  {
    name: 'bomb after the end of the archive: 10 GiB of zeros',
    layer: () =>
      Buffer.concat([
        gz(craftTar([file('a.yaml')])),
        ...Array.from({ length: 160 }, zeros64Cached),
      ]),
    expect: /decompresses to more than the limit of 1073741824 bytes/,
  },
  {
    name: 'entry-count bomb: 100,001 links',
    layer: () =>
      gz(
        craftTar(
          Array.from({ length: 100_001 }, (_, i) => ({ name: `l${i}`, type: '2', linkname: 'x' })),
        ),
      ),
    expect: /more than 100000 entries/,
  },
  {
    name: 'truncated gzip',
    layer: () => {
      const full = gz(craftTar([file('big', 'y'.repeat(300_000))]));
      return full.subarray(0, full.length - 64);
    },
    expect: /not valid gzip|not a valid tar/,
  },
  {
    name: 'truncated tar inside valid gzip',
    layer: () => gz(craftTar([{ name: 'short', data: 'x', size: 9000 }], { trailer: false })),
    expect: /end of tar/,
  },
  {
    name: 'not gzip at all',
    layer: () => Buffer.from('plain text, not a layer'),
    expect: /not valid gzip/,
  },
  {
    name: 'manifest gives a smaller layer size than the blob',
    layer: () => gz(craftTar([file('a.yaml', 'z'.repeat(5000))])),
    size: () => 100,
    expect: /more than the 100 bytes|size|100/,
  },
];

let zeros: Buffer | undefined;
function zeros64Cached(): Buffer {
  zeros ??= zeros64();
  return zeros;
}

describe('pull refuses hostile artifacts (dist under Node 24, real registry)', () => {
  let registry: TestRegistry;
  let client: RegistryClient;
  let top = '';
  let ws = '';
  let outside = '';
  let repo = '';

  before(async () => {
    registry = await startRegistry();
    repo = `${registry.host}/org/hostile`;
    client = new RegistryClient(parseRepository(repo), { ignoreDockerConfig: true });
    top = mkdtempSync(join(tmpdir(), 'pull-hostile-'));
    ws = join(top, 'ws');
    outside = join(top, 'outside');
    mkdirSync(ws);
    mkdirSync(outside);
    writeFileSync(join(outside, 'keep'), 'keep');
    const config = configBlob();
    await client.uploadBlob({ bytes: config.bytes }, config.descriptor.digest, config.bytes.length);
  });
  after(async () => {
    await registry?.stop();
    if (top) rmSync(top, { recursive: true, force: true });
  });

  async function publish(tag: string, layer: Buffer, size = layer.length): Promise<void> {
    const digest = sha256(layer);
    await client.uploadBlob({ bytes: layer }, digest, layer.length);
    const m = buildManifest({ layer: { digest, size }, annotations: {} });
    await client.putManifest(tag, m.bytes, MEDIA_TYPE.ociManifest);
  }

  const nothingOutside = () => {
    assert.deepEqual(readdirSync(outside), ['keep']);
    assert.equal(readFileSync(join(outside, 'keep'), 'utf8'), 'keep');
    assert.deepEqual(readdirSync(top).sort(), ['outside', 'ws']);
    assert.throws(() => readFileSync(`/tmp/flux-oci-hostile-${process.pid}`), { code: 'ENOENT' });
  };

  CASES.forEach((c, i) => {
    test(c.name, async () => {
      const tag = `case-${i}`;
      const layer = c.layer();
      await publish(tag, layer, c.size?.(layer));
      const output = `pulled/${tag}`;
      const r: RunResult = await runAction('pull', {
        inputs: { repository: repo, ref: tag, output, ...c.inputs },
        workspace: ws,
        timeoutMs: 60_000,
        // For measuring: PULL_HOSTILE_NODE=a wrapper running node24 under /usr/bin/time -v.
        ...(process.env.PULL_HOSTILE_NODE ? { node: process.env.PULL_HOSTILE_NODE } : {}),
      });
      nothingOutside();
      if (c.expect === 'ok') {
        assert.equal(r.exitCode, 0, r.stdout + r.stderr);
        c.check?.(join(ws, output));
        return;
      }
      assert.equal(r.exitCode, 1, `expected a refusal:\n${r.stdout}\n${r.stderr}`);
      assert.equal(r.errors.length, 1, r.stdout);
      assert.match(r.errors[0] ?? '', c.expect);
      assert.doesNotMatch(r.errors[0] ?? '', /unexpected error/);
      // Nothing in output, no temporary directory beside it, no parent created for it.
      const pulled = join(ws, 'pulled');
      const left = readdirSync(ws).includes('pulled') ? readdirSync(pulled) : [];
      assert.ok(!left.some((n) => n === tag || n.includes('.pull-')), `left behind: ${left}`);
    });
  });

  test('a registry that serves other bytes than the layer digest: nothing extracted', async () => {
    const good = gz(craftTar([file('a.yaml', 'a: 1\n')]));
    const evil = gz(craftTar([file('a.yaml', 'a: 2\n')]));
    const lying = await lyingRegistry(good, evil);
    try {
      const r = await runAction('pull', {
        inputs: { repository: `${lying.host}/org/lie`, output: 'lied' },
        workspace: ws,
        timeoutMs: 60_000,
      });
      assert.equal(r.exitCode, 1, r.stdout + r.stderr);
      assert.equal(r.errors.length, 1, r.stdout);
      assert.match(r.errors[0] ?? '', /digest|not sha256/);
      assert.doesNotMatch(r.errors[0] ?? '', /unexpected error/);
      assert.ok(!readdirSync(ws).some((n) => n === 'lied' || n.includes('.pull-')));
      nothingOutside();
    } finally {
      await lying.close();
    }
  });
});

/** Serves one manifest whose layer is `claimed`, but answers the blob with `served`. */
async function lyingRegistry(
  claimed: Buffer,
  served: Buffer,
): Promise<{ host: string; close(): Promise<void> }> {
  const config = configBlob();
  const manifest = buildManifest({
    layer: { digest: sha256(claimed), size: claimed.length },
    annotations: {},
  });
  const server: Server = createServer((req, res) => {
    const url = req.url ?? '';
    if (url === '/v2/')
      return void res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    if (url.includes('/manifests/')) {
      res.writeHead(200, {
        'content-type': MEDIA_TYPE.ociManifest,
        'content-length': manifest.bytes.length,
        'docker-content-digest': manifest.digest,
      });
      return void res.end(req.method === 'HEAD' ? undefined : manifest.bytes);
    }
    if (url.endsWith(config.descriptor.digest)) return void res.writeHead(200).end(config.bytes);
    if (url.includes('/blobs/')) {
      res.writeHead(200, { 'content-length': served.length });
      return void res.end(served);
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    host: `127.0.0.1:${port}`,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
