import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import {
  chmod,
  mkdir,
  mkdtemp,
  open,
  readFile,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { buildLayer } from '../../src/artifact/build.js';
import { diffContents, listLayer, listTree } from '../../src/artifact/contents.js';
import { ArtifactError } from '../../src/artifact/errors.js';
import { failureInput, failureMessage } from '../../src/github/errors.js';

let work = '';
before(async () => {
  work = await mkdtemp(join(tmpdir(), 'artifact-build-'));
});
after(async () => {
  await rm(work, { recursive: true, force: true });
});

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

async function names(path: string, opts: Record<string, unknown> = {}): Promise<string[]> {
  const layer = await buildLayer({ path, tmpDir: work, gzip: 'zlib', ...opts });
  try {
    return [...(await listLayer(createReadStream(layer.file))).keys()];
  } finally {
    await layer.cleanup();
  }
}

test('digest, size and diffID describe the file written', async () => {
  const root = join(work, 'digest');
  await mkdir(root);
  await writeFile(join(root, 'a.yaml'), 'a: 1\n');
  const layer = await buildLayer({ path: root, tmpDir: work });
  try {
    const tgz = await readFile(layer.file);
    assert.equal(layer.digest, sha(tgz));
    assert.equal(layer.size, tgz.length);
    const tar = gunzipSync(tgz);
    assert.equal(layer.tarDigest, sha(tar));
    assert.equal(layer.tarSize, tar.length);
    assert.equal(layer.entries, 2);
    // Go's gzip header: no name, mtime 0, OS 255.
    assert.deepEqual([...tgz.subarray(0, 10)], [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
  } finally {
    await layer.cleanup();
  }
  await assert.rejects(stat(layer.file), { code: 'ENOENT' });
  await layer.cleanup(); // twice is fine
});

test('order: depth-first, children by UTF-8 bytes (a/ before a.yaml; U+FF5E before U+1F600)', async () => {
  const root = join(work, 'order');
  await mkdir(join(root, 'a'), { recursive: true });
  for (const f of ['a.yaml', 'a/b', 'B', 'b', '\uff5e', '\u{1f600}', 'a-b', 'a_b']) {
    await writeFile(join(root, f), f);
  }
  assert.deepEqual(await names(root), [
    '.',
    'B',
    'a',
    'a/b',
    'a-b',
    'a.yaml',
    'a_b',
    'b',
    '\uff5e',
    '\u{1f600}',
  ]);
});

test('ignored directories are still descended when a ! pattern may bring children back', async () => {
  const root = join(work, 'negate');
  await mkdir(join(root, 'skip', 'deep'), { recursive: true });
  await writeFile(join(root, 'skip', 'deep', 'keep.yaml'), 'k');
  await writeFile(join(root, 'skip', 'drop.yaml'), 'd');
  assert.deepEqual(await names(root, { ignorePaths: ['skip/', '!keep.yaml'] }), [
    '.',
    'skip/deep/keep.yaml',
  ]);
  // Without a negation the directory is pruned, which changes nothing in the output.
  assert.deepEqual(await names(root, { ignorePaths: ['skip/'] }), ['.']);
});

test('symlinks and special files are skipped and counted; never followed by default', async () => {
  const root = join(work, 'links');
  await mkdir(root);
  await writeFile(join(root, 'real.yaml'), 'r');
  await symlink('real.yaml', join(root, 'to-file'));
  await symlink('/etc', join(root, 'to-etc'));
  const layer = await buildLayer({ path: root, tmpDir: work, gzip: 'zlib' });
  try {
    assert.equal(layer.skipped.skippedSymlinks, 2);
    assert.deepEqual(
      [...(await listLayer(createReadStream(layer.file))).keys()],
      ['.', 'real.yaml'],
    );
  } finally {
    await layer.cleanup();
  }
});

test('resolveSymlinks follows links inside the workspace only; dangling and outside are counted', async () => {
  const ws = join(work, 'ws');
  const root = join(ws, 'app');
  await mkdir(join(ws, 'shared'), { recursive: true });
  await mkdir(root);
  await writeFile(join(ws, 'shared', 'common.yaml'), 'c');
  await writeFile(join(work, 'secret.txt'), 'outside the workspace');
  await symlink('../shared', join(root, 'shared'));
  await symlink(join(work, 'secret.txt'), join(root, 'secret.txt'));
  await symlink('nowhere', join(root, 'dangling'));
  const layer = await buildLayer({
    path: root,
    tmpDir: work,
    gzip: 'zlib',
    resolveSymlinks: true,
    workspace: ws,
    umask: 0o022,
  });
  try {
    const list = await listLayer(createReadStream(layer.file));
    assert.deepEqual([...list.keys()], ['.', 'shared', 'shared/common.yaml']);
    assert.equal(list.get('.')?.mode, 0o700, 'Flux archives a fresh 0700 temp copy');
    assert.equal(layer.skipped.skippedUnresolved, 2);
  } finally {
    await layer.cleanup();
  }
  // Without a workspace the boundary is the path itself: ../shared is outside.
  assert.deepEqual(await names(root, { resolveSymlinks: true }), ['.']);
});

test('a missing path, a symlinked root dir and a socket-like root are errors the edge words naming path', async () => {
  const isPathError = (err: unknown) =>
    err instanceof ArtifactError &&
    !/input/.test(err.message) &&
    failureInput(err) === 'path' &&
    /^input 'path' \(/.test(failureMessage(err) ?? '');
  await assert.rejects(buildLayer({ path: join(work, 'nope'), tmpDir: work }), isPathError);
  const target = join(work, 'target');
  await mkdir(target);
  await symlink(target, join(work, 'rootlink'));
  await assert.rejects(buildLayer({ path: join(work, 'rootlink'), tmpDir: work }), isPathError);
  await assert.rejects(buildLayer({ path: '/dev/null', tmpDir: work }), isPathError);
});

/**
 * Makes `fs.openSync` (as build.ts imports it) or `fs.readdirSync` (walk.ts) fail with EACCES
 * for one name, as a permission problem would for a non-root user: root reads everything, and CI
 * runs as root, so chmod alone proves nothing there.
 */
async function withEacces<T>(name: string, run: () => Promise<T>): Promise<T> {
  const { default: fs } = await import('node:fs');
  const { syncBuiltinESMExports } = await import('node:module');
  const realOpen = fs.openSync;
  const realReaddir = fs.readdirSync;
  const denied = (p: unknown) =>
    Object.assign(new Error(`EACCES: permission denied, open '${String(p)}'`), { code: 'EACCES' });
  fs.openSync = ((...args: Parameters<typeof realOpen>) => {
    if (String(args[0]).endsWith(`/${name}`)) throw denied(args[0]);
    return realOpen(...args);
  }) as typeof realOpen;
  const readdir = realReaddir as (...args: unknown[]) => unknown;
  fs.readdirSync = ((...args: unknown[]) => {
    if (String(args[0]).endsWith(`/${name}`)) throw denied(args[0]);
    return readdir(...args);
  }) as typeof realReaddir;
  syncBuiltinESMExports();
  try {
    return await run();
  } finally {
    fs.openSync = realOpen;
    fs.readdirSync = realReaddir;
    syncBuiltinESMExports();
  }
}

test('an unreadable file or directory is an error the edge words naming path and the fix', async () => {
  const root = join(work, 'unreadable');
  await mkdir(join(root, 'locked-dir'), { recursive: true });
  await writeFile(join(root, 'locked.yaml'), 'x');
  await writeFile(join(root, 'locked-dir', 'inner.yaml'), 'y');
  const fix = (what: RegExp) => (err: unknown) =>
    err instanceof ArtifactError &&
    failureInput(err) === 'path' &&
    what.test(failureMessage(err) ?? '') &&
    /permission denied; make it readable or exclude it with 'ignore-paths'/.test(
      failureMessage(err) ?? '',
    );
  await withEacces('locked.yaml', () =>
    assert.rejects(buildLayer({ path: root, tmpDir: work }), fix(/'locked\.yaml'/)),
  );
  await withEacces('locked-dir', () =>
    assert.rejects(buildLayer({ path: root, tmpDir: work }), fix(/'locked-dir'/)),
  );
  // Without the injected errors the same tree builds (the failures came from the injection).
  const layer = await buildLayer({ path: root, tmpDir: work });
  await layer.cleanup();
  if (process.getuid?.() !== 0) {
    // And a real permission problem, where the OS enforces it.
    await chmod(join(root, 'locked.yaml'), 0);
    await assert.rejects(buildLayer({ path: root, tmpDir: work }), fix(/'locked\.yaml'/));
  }
});

test('single-file path: "." 0700 minus umask, file perm minus umask', async () => {
  const f = join(work, 'one.yaml');
  await writeFile(f, 'one');
  await chmod(f, 0o4775);
  for (const umask of [0o022, 0o077, 0o002]) {
    const layer = await buildLayer({ path: f, tmpDir: work, gzip: 'zlib', umask });
    try {
      const list = await listLayer(createReadStream(layer.file));
      assert.equal(list.get('.')?.mode, 0o700 & ~umask);
      assert.equal(list.get('one.yaml')?.mode, 0o775 & ~umask, 'setuid dropped, umask applied');
    } finally {
      await layer.cleanup();
    }
  }
});

test('memory stays bounded: 256 MiB of file data through the pipeline', async (t) => {
  const root = join(work, 'big');
  await mkdir(root);
  const fh = await open(join(root, 'sparse.bin'), 'w');
  await fh.truncate(256 << 20); // sparse: cheap to create, still 256 MiB to read and archive
  await fh.close();
  const before = process.memoryUsage().rss;
  let peak = before;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 10);
  const layer = await buildLayer({ path: root, tmpDir: work, gzip: 'zlib' });
  clearInterval(timer);
  try {
    assert.equal(layer.tarSize, 2 * 512 + (256 << 20) + 1024); // 2 headers, data, trailer
    const growth = (peak - before) / 2 ** 20;
    t.diagnostic(`RSS growth ${growth.toFixed(1)} MiB for 256 MiB archived`);
    assert.ok(growth < 96, `RSS grew by ${growth.toFixed(1)} MiB while archiving 256 MiB`);
  } finally {
    await layer.cleanup();
  }
});

test('listTree equals listLayer of the built layer; diffContents finds added, removed, modified', async () => {
  const root = join(work, 'diff');
  await mkdir(join(root, 'd'), { recursive: true });
  await writeFile(join(root, 'same.yaml'), 's');
  await writeFile(join(root, 'd', 'change.yaml'), 'v1');
  await writeFile(join(root, 'gone.yaml'), 'g');
  await writeFile(join(root, 'mode.sh'), 'm');
  const layer = await buildLayer({ path: root, tmpDir: work });
  let remote: Awaited<ReturnType<typeof listLayer>>;
  try {
    remote = await listLayer(createReadStream(layer.file));
  } finally {
    await layer.cleanup();
  }
  assert.deepEqual(await listTree({ path: root }), remote);
  assert.deepEqual(diffContents(remote, remote), { added: [], removed: [], modified: [] });

  await writeFile(join(root, 'd', 'change.yaml'), 'v2');
  await rm(join(root, 'gone.yaml'));
  await writeFile(join(root, 'new.yaml'), 'n');
  await writeFile(join(root, 'a-new.yaml'), 'n');
  await chmod(join(root, 'mode.sh'), 0o755);
  const local = await listTree({ path: root });
  assert.deepEqual(diffContents(local, remote), {
    added: ['a-new.yaml', 'new.yaml'],
    removed: ['gone.yaml'],
    modified: ['d/change.yaml', 'mode.sh'],
  });
  const h = createHash('sha256').update('v2').digest('hex');
  assert.equal(local.get('d/change.yaml')?.sha256, h);
});

test('a long build on the main thread gives the event loop a turn every few ms (answers, timers, a token request)', async () => {
  // 3,000 files, deflated on this thread (Go's deflate, as in a publish): ~60 ms or more of
  // work whose awaits are microtasks only. Timers due meanwhile must run while it builds, not
  // when it ends: a keyless publish sends its Fulcio request from such a turn.
  const root = join(work, 'long-build');
  for (let d = 0; d < 30; d++) {
    await mkdir(join(root, `d${d}`), { recursive: true });
    await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        writeFile(
          join(root, `d${d}`, `m-${i}.yaml`),
          `kind: ConfigMap\nname: cm-${d}-${i}\n${'x: y\n'.repeat(60)}`,
        ),
      ),
    );
  }
  const build = () =>
    buildLayer({ path: root, tmpDir: work, gzip: 'go1.26', encoderThread: 'main' });
  await (await build()).cleanup(); // the encoder's modules load (real async work) before this
  const started = performance.now();
  const ticks: number[] = [];
  const timer = setInterval(() => ticks.push(performance.now() - started), 2);
  try {
    const layer = await build();
    const took = performance.now() - started;
    await layer.cleanup();
    assert.ok(took > 25, `the build took ${took.toFixed(0)} ms: too quick to tell`);
    const during = ticks.filter((t) => t < took - 10);
    assert.ok(
      during.length >= 3,
      `the timer ran ${during.length} times in a ${took.toFixed(0)} ms build`,
    );
  } finally {
    clearInterval(timer);
  }
});
