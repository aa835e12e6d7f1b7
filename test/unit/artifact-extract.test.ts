import assert from 'node:assert/strict';
import {
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { buildLayer } from '../../src/artifact/build.js';
import { extractLayer, extractTar, UnsafeArchiveError } from '../../src/artifact/extract.js';

let work = '';
before(async () => {
  work = await mkdtemp(join(tmpdir(), 'artifact-extract-'));
});
after(async () => {
  await rm(work, { recursive: true, force: true });
});

interface Raw {
  name: string;
  type?: string;
  mode?: number;
  data?: Buffer | string;
  /** Declared size when it should differ from the data (lying headers). */
  size?: number;
  linkname?: string;
}

/** A hand-made tar (USTAR layout, checksum per POSIX) so the tests can write what Flux never would. */
function rawTar(entries: Raw[], { trailer = true } = {}): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const data = Buffer.from(e.data ?? '');
    const blk = Buffer.alloc(512);
    blk.write(e.name, 0, 100, 'utf8');
    blk.write(`${(e.mode ?? 0o644).toString(8).padStart(7, '0')}\0`, 100, 'latin1');
    blk.write('0000000\0', 108, 'latin1');
    blk.write('0000000\0', 116, 'latin1');
    blk.write(`${(e.size ?? data.length).toString(8).padStart(11, '0')}\0`, 124, 'latin1');
    blk.write('00000000000\0', 136, 'latin1');
    blk.write(e.type ?? '0', 156, 'latin1');
    if (e.linkname) blk.write(e.linkname, 157, 100, 'utf8');
    blk.write('ustar\u000000', 257, 'latin1');
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : blk[i]!;
    blk.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
    parts.push(blk, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  if (trailer) parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

const gz = (tar: Buffer) => Readable.from([gzipSync(tar)]);
let n = 0;
const fresh = async () => {
  const d = join(work, `out-${n++}`);
  await mkdir(d);
  return d;
};

async function rejects(tar: Buffer, dir: string, pattern: RegExp, limits = {}) {
  await assert.rejects(extractLayer(gz(tar), dir, limits), (err: unknown) => {
    assert.ok(err instanceof UnsafeArchiveError, String(err));
    assert.match(err.message, pattern);
    return true;
  });
}

test('round trip: a built layer extracts to the same names, contents and modes', async () => {
  const src = join(work, 'src');
  await mkdir(join(src, 'dir', 'empty'), { recursive: true });
  const files: [string[], string, number][] = [
    [['dir', 'a.yaml'], 'a: 1\n', 0o600],
    [['run.sh'], '#!/bin/sh\n', 0o755],
    [[`ünï-${'l'.repeat(150)}.yaml`], 'pax\n', 0o644],
  ];
  for (const [p, data, mode] of files) await writeFile(join(src, ...p), data, { mode });
  const bytes = files.reduce((s, [, d]) => s + Buffer.byteLength(d), 0);
  const layer = await buildLayer({ path: src, tmpDir: work, umask: 0o022 });
  const out = await fresh();
  try {
    const r = await extractLayer(Readable.from([await readFile(layer.file)]), out);
    assert.deepEqual(r, { files: files.length, dirs: 3, bytes, skippedLinks: 0 }); // ., dir, dir/empty
  } finally {
    await layer.cleanup();
  }
  assert.equal(await readFile(join(out, 'dir', 'a.yaml'), 'utf8'), 'a: 1\n');
  assert.equal(await readFile(join(out, `ünï-${'l'.repeat(150)}.yaml`), 'utf8'), 'pax\n');
  assert.equal((await stat(join(out, 'run.sh'))).mode & 0o777, 0o755 & ~process.umask());
  assert.equal((await stat(join(out, 'dir', 'a.yaml'))).mode & 0o777, 0o600);
  assert.ok((await stat(join(out, 'dir', 'empty'))).isDirectory());
  assert.equal((await stat(join(out, 'run.sh'))).mtimeMs, 0, 'mtime from the header (epoch)');
});

test('rejects ../ escapes and writes nothing outside', async () => {
  const dir = await fresh();
  await rejects(rawTar([{ name: '../escape.txt', data: 'x' }]), dir, /'\.\.' component/);
  await rejects(rawTar([{ name: 'a/../../escape.txt', data: 'x' }]), dir, /'\.\.' component/);
  await assert.rejects(stat(join(dir, '..', 'escape.txt')), { code: 'ENOENT' });
});

test('rejects absolute names, backslashes and empty names', async () => {
  const dir = await fresh();
  await rejects(rawTar([{ name: '/etc/x', data: 'x' }]), dir, /absolute path/);
  await rejects(rawTar([{ name: 'a\\..\\b', data: 'x' }]), dir, /backslash/);
  await rejects(rawTar([{ name: '', data: 'x' }]), dir, /empty name/);
  assert.deepEqual(await readdir(dir), []);
});

test('symlink and hardlink entries are skipped and counted; a later file under that name is a plain file', async () => {
  const outside = join(work, 'outside-1');
  await mkdir(outside);
  const dir = await fresh();
  const r = await extractLayer(
    gz(
      rawTar([
        { name: 'link', type: '2', linkname: outside },
        { name: 'hard', type: '1', linkname: '/etc/passwd' },
        { name: 'link/x', data: 'through?' },
      ]),
    ),
    dir,
  );
  assert.equal(r.skippedLinks, 2);
  assert.deepEqual(await readdir(outside), []);
  assert.ok((await lstat(join(dir, 'link'))).isDirectory());
  assert.equal(await readFile(join(dir, 'link', 'x'), 'utf8'), 'through?');
});

test('never writes through a symlink already in the output directory', async () => {
  const outside = join(work, 'outside-2');
  await mkdir(outside);
  await writeFile(join(outside, 'victim'), 'original');
  const dir = await fresh();
  await symlink(outside, join(dir, 'linkdir'));
  await symlink(join(outside, 'victim'), join(dir, 'linkfile'));
  await rejects(
    rawTar([{ name: 'linkdir/x', data: 'evil' }]),
    dir,
    /not a directory \(a symlink\)/,
  );
  await rejects(rawTar([{ name: 'linkfile', data: 'evil' }]), dir, /symlink there/);
  assert.deepEqual(await readdir(outside), ['victim']);
  assert.equal(await readFile(join(outside, 'victim'), 'utf8'), 'original');
});

test('size limit: a declared size beyond maxBytes fails before anything is written', async () => {
  const dir = await fresh();
  // Claims 10 GiB but carries no data: the limit must trip on the header alone.
  const liar = rawTar([{ name: 'huge', size: 10 * 1024 ** 3 }], { trailer: false });
  await rejects(liar, dir, /exceed the limit of 1048576 bytes/, { maxBytes: 1 << 20 });
  await assert.rejects(stat(join(dir, 'huge')), { code: 'ENOENT' });
  // The sum counts, not just each file.
  const many = rawTar([
    { name: 'a', data: Buffer.alloc(600) },
    { name: 'b', data: Buffer.alloc(600) },
  ]);
  await assert.rejects(
    extractTar(Readable.from([many]), await fresh(), { maxBytes: 1000 }),
    /exceed the limit of 1000 bytes \(at "b"\)/,
  );
  // …and for a layer so does every decompressed byte: headers, padding, end-of-archive.
  await rejects(many, dir, /decompresses to more than the limit of 1200 bytes/, { maxBytes: 1200 });
  const ok = await extractLayer(gz(many), await fresh(), { maxBytes: many.length });
  assert.equal(ok.bytes, 1200);
});

test('entry limit', async () => {
  const tar = rawTar([{ name: 'a' }, { name: 'b' }, { name: 'c' }]);
  await rejects(tar, await fresh(), /more than 2 entries/, { maxEntries: 2 });
  assert.equal((await extractLayer(gz(tar), await fresh(), { maxEntries: 3 })).files, 3);
});

test('GNU long names are honoured', async () => {
  const long = `${'g'.repeat(120)}/${'h'.repeat(120)}.yaml`;
  const dir = await fresh();
  await extractLayer(
    gz(
      rawTar([
        { name: '././@LongLink', type: 'L', data: `${long}\0` },
        { name: 'short', data: 'gnu' },
      ]),
    ),
    dir,
  );
  assert.equal(await readFile(join(dir, long), 'utf8'), 'gnu');
});

test('PAX path records are checked like any other name', async () => {
  const rec = (k: string, v: string) => {
    const body = ` ${k}=${v}\n`;
    let len = body.length + String(body.length).length;
    if (String(len).length + body.length !== len) len = String(len).length + body.length;
    return `${len}${body}`;
  };
  const dir = await fresh();
  const tar = rawTar([
    { name: 'PaxHeaders.0/x', type: 'x', data: rec('path', '../../pax-escape') },
    { name: 'innocent', data: 'x' },
  ]);
  await rejects(tar, dir, /'\.\.' component/);
});

test('unsupported entry types, bad checksums and bad gzip are refused', async () => {
  const dir = await fresh();
  await rejects(rawTar([{ name: 'dev', type: '3' }]), dir, /unsupported tar entry type '3'/);
  const bad = rawTar([{ name: 'a', data: 'x' }]);
  bad[0] = 0x62; // name changed after the checksum was computed
  await rejects(bad, dir, /checksum/);
  await assert.rejects(
    extractLayer(Readable.from([Buffer.from('not gzip at all')]), dir),
    (err: unknown) => err instanceof UnsafeArchiveError && /not valid gzip/.test(err.message),
  );
  await rejects(
    rawTar([{ name: 'trunc', data: 'x', size: 5000 }], { trailer: false }),
    dir,
    /end of tar/,
  );
});
