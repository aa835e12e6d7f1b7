// Atomic pull: installLayer leaves either the whole verified artifact in `output`, or nothing.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { createGzip, gzipSync } from 'node:zlib';
import { ArtifactError } from '../../src/artifact/errors.js';
import { installLayer, planOutput } from '../../src/artifact/install.js';
import { failureInput, failureMessage } from '../../src/github/errors.js';

let work = '';
before(async () => {
  work = await mkdtemp(join(tmpdir(), 'artifact-install-'));
});
after(async () => {
  await rm(work, { recursive: true, force: true });
});

/** One USTAR header + data (checksum per POSIX). */
function entry(name: string, data = '', type = '0'): Buffer {
  const body = Buffer.from(data);
  const blk = Buffer.alloc(512);
  blk.write(name, 0, 100, 'utf8');
  blk.write('0000644\0', 100, 'latin1');
  blk.write(`${body.length.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
  blk.write('00000000000\0', 136, 'latin1');
  blk.write(type, 156, 'latin1');
  blk.write('ustar\u000000', 257, 'latin1');
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : blk[i]!;
  blk.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return Buffer.concat([blk, body, Buffer.alloc((512 - (body.length % 512)) % 512)]);
}
const tar = (...parts: Buffer[]) => Buffer.concat([...parts, Buffer.alloc(1024)]);
const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const desc = (b: Buffer) => ({ digest: sha(b), size: b.length });

let n = 0;
const place = () => join(work, `case-${n++}`);

async function failsClean(layer: Buffer, pattern: RegExp, limits = {}, expect = desc(layer)) {
  const parent = place();
  const output = join(parent, 'a', 'out');
  const plan = await planOutput(output);
  await assert.rejects(
    installLayer(async () => Readable.from([layer]), plan, {
      maxBytes: 1 << 30,
      ...limits,
      expect,
    }),
    (err: unknown) => pattern.test(failureMessage(err) ?? ''),
  );
  // Nothing in output, no temporary directory, and the parents this call made are gone too.
  await assert.rejects(stat(parent), { code: 'ENOENT' });
}

test('success: the whole tree appears at once, with the directory mode of a new directory', async () => {
  const layer = gzipSync(tar(entry('a.yaml', 'a: 1\n'), entry('d/', '', '5'), entry('d/b', 'b')));
  const output = join(place(), 'out');
  const r = await installLayer(async () => Readable.from([layer]), await planOutput(output), {
    expect: desc(layer),
  });
  assert.equal(r.files, 2);
  assert.equal(await readFile(join(output, 'd', 'b'), 'utf8'), 'b');
  assert.deepEqual((await readdir(join(output, '..'))).sort(), ['out']);
  assert.equal((await stat(output)).mode & 0o777, 0o777 & ~process.umask());
});

test('a wrong layer digest or size leaves nothing, although every entry was fine', async () => {
  const layer = gzipSync(tar(entry('a.yaml', 'a: 1\n')));
  await failsClean(
    layer,
    /is not sha256:0{64}/,
    {},
    { digest: `sha256:${'0'.repeat(64)}`, size: layer.length },
  );
  await failsClean(layer, /more than the 10 bytes/, {}, { digest: sha(layer), size: 10 });
  await failsClean(layer, /got \d+ bytes/, {}, { digest: sha(layer), size: layer.length + 1 });
});

test('a truncated gzip leaves no partial file', async () => {
  const full = gzipSync(tar(entry('big', 'x'.repeat(200_000))));
  const cut = full.subarray(0, full.length - 40);
  await failsClean(cut, /not valid gzip|not a valid tar/);
});

test('entries before a refused ../ entry are not left behind', async () => {
  await failsClean(
    gzipSync(tar(entry('ok.yaml', 'ok'), entry('../evil', 'x'))),
    /'\.\.' component/,
  );
});

test('zeros after the end of the archive count against max-size and stop at the cap', async () => {
  // 256 MiB of zeros after a valid archive, compressed on the fly (~250 KiB of gzip).
  const gz = createGzip();
  const payload = (async function* () {
    yield tar(entry('a', 'a'));
    const zeros = Buffer.alloc(1 << 20);
    for (let i = 0; i < 256; i++) yield zeros;
  })();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const c of gz) chunks.push(c as Buffer);
  })();
  for await (const c of payload) if (!gz.write(c)) await new Promise((r) => gz.once('drain', r));
  gz.end();
  await done;
  const layer = Buffer.concat(chunks);
  const started = Date.now();
  await failsClean(layer, /decompresses to more than the limit of 4194304 bytes/, {
    maxBytes: 4 << 20,
  });
  assert.ok(Date.now() - started < 5000, 'stopped at the cap, not at the end of the stream');
});

test('entry-count cap', async () => {
  const many = gzipSync(tar(...Array.from({ length: 50 }, (_, i) => entry(`f${i}`))));
  await failsClean(many, /more than 20 entries/, { maxEntries: 20 });
});

test('what output may be: missing or empty (mode kept); not a non-empty directory or a file', async () => {
  const base = place();
  await mkdir(join(base, 'empty'), { recursive: true, mode: 0o711 });
  await mkdir(join(base, 'full'));
  await writeFile(join(base, 'full', 'keep'), 'mine');
  await writeFile(join(base, 'file'), 'mine');
  const plan = await planOutput(join(base, 'empty'));
  assert.equal(plan.replacesEmpty, true);
  const layer = gzipSync(tar(entry('a', 'a')));
  await installLayer(async () => Readable.from([layer]), plan, { expect: desc(layer) });
  assert.equal(await readFile(join(base, 'empty', 'a'), 'utf8'), 'a');
  assert.equal((await stat(join(base, 'empty'))).mode & 0o777, 0o711);
  const refused = (p: string, re: RegExp) =>
    assert.rejects(
      planOutput(join(base, p), p),
      (e: unknown) =>
        e instanceof ArtifactError &&
        e.code === 'OUTPUT_UNUSABLE' &&
        re.test(failureMessage(e) ?? '') &&
        failureInput(e) === 'output',
    );
  await refused('full', /"full" is a directory that is not empty/);
  await refused('file', /"file" is an existing file/);
  assert.equal(await readFile(join(base, 'full', 'keep'), 'utf8'), 'mine');
  assert.deepEqual((await readdir(base)).sort(), ['empty', 'file', 'full']);
});
