// buildLayer judged by the real `flux build artifact` (v2.9.x) on fixture trees that exercise
// every tar and ignore rule: the tar bytes and the gzip bytes must be identical.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { type BuildOptions, buildLayer } from '../../src/artifact/build.js';
import { ArtifactError } from '../../src/artifact/errors.js';
import { failureInput, failureMessage } from '../../src/github/errors.js';
import { requireTools, toolPath } from '../harness/tools.js';
import { firstDifference, tarEntryAt } from '../harness/trees.js';

let work = '';
let n = 0;

interface FluxRun {
  readonly path: string;
  readonly ignorePaths?: string[];
  readonly resolveSymlinks?: boolean;
  /** Run flux under this umask (and tell buildLayer the same). */
  readonly umask?: number;
}

/** Runs `flux build artifact` and returns the tgz bytes. */
function fluxBuild(run: FluxRun): Buffer {
  const out = join(work, `flux-${n++}.tgz`);
  const args = ['build', 'artifact', '-p', run.path, '-o', out];
  if (run.ignorePaths !== undefined) {
    if (run.ignorePaths.length === 0) args.push('--ignore-paths=');
    for (const p of run.ignorePaths) args.push(`--ignore-paths=${p}`);
  }
  if (run.resolveSymlinks) args.push('--resolve-symlinks');
  const umask = (run.umask ?? 0o022).toString(8);
  const r = spawnSync(
    '/bin/sh',
    ['-c', `umask ${umask} && exec "$0" "$@"`, toolPath('flux'), ...args],
    {
      timeout: 120_000,
    },
  );
  assert.equal(r.status, 0, `flux failed: ${r.stderr}`);
  return readFileSync(out);
}

async function ours(run: FluxRun): Promise<{ tgz: Buffer; entries: number }> {
  const opts: BuildOptions = {
    path: run.path,
    umask: run.umask ?? 0o022,
    tmpDir: work,
    ...(run.ignorePaths !== undefined ? { ignorePaths: run.ignorePaths } : {}),
    ...(run.resolveSymlinks ? { resolveSymlinks: true } : {}),
  };
  const layer = await buildLayer(opts);
  try {
    return { tgz: await readFile(layer.file), entries: layer.entries };
  } finally {
    await layer.cleanup();
  }
}

/** Both builds; tar bytes first (better message), then the compressed bytes. */
async function assertSameAsFlux(run: FluxRun): Promise<Buffer> {
  const theirsGz = fluxBuild(run);
  const mine = await ours(run);
  const theirs = gunzipSync(theirsGz);
  const tar = gunzipSync(mine.tgz);
  const at = firstDifference(tar, theirs);
  assert.equal(
    at,
    -1,
    `tar differs at byte ${at}: flux entry ${tarEntryAt(theirs, at)}, ours ${tarEntryAt(tar, at)}`,
  );
  assert.equal(firstDifference(mine.tgz, theirsGz), -1, 'tar identical but gzip bytes differ');
  return theirs;
}

/** Names in a tar, in order (reads USTAR prefix and PAX paths). */
function tarNames(tar: Buffer): string[] {
  const names: string[] = [];
  let pos = 0;
  let paxPath: string | undefined;
  while (pos + 512 <= tar.length) {
    const blk = tar.subarray(pos, pos + 512);
    if (blk.every((c) => c === 0)) break;
    const size = Number.parseInt(blk.toString('latin1', 124, 135), 8);
    const str = (a: number, b: number) => {
      const s = blk.subarray(a, b);
      const z = s.indexOf(0);
      return s.toString('utf8', 0, z < 0 ? s.length : z);
    };
    if (blk[156] === 0x78) {
      const data = tar.toString('utf8', pos + 512, pos + 512 + size);
      paxPath = /path=(.*)\n/.exec(data)?.[1];
    } else {
      const prefix = str(345, 500);
      names.push(paxPath ?? (prefix ? `${prefix}/${str(0, 100)}` : str(0, 100)));
      paxPath = undefined;
    }
    pos += 512 + Math.ceil(size / 512) * 512;
  }
  return names;
}

async function file(path: string, content: string | Buffer, mode = 0o644): Promise<void> {
  await writeFile(path, content);
  await chmod(path, mode);
}

/** A tree with nested and empty dirs, several modes, long/Unicode/spaced names and symlinks. */
async function kitchenSink(root: string): Promise<void> {
  await mkdir(join(root, 'deploy', 'base'), { recursive: true });
  await mkdir(join(root, 'empty'));
  await mkdir(join(root, 'shared'));
  await chmod(join(root, 'shared'), 0o2775);
  await mkdir(join(root, '.git', 'objects'), { recursive: true });
  await mkdir(join(root, 'build', 'deep'), { recursive: true });
  await mkdir(join(root, 'a', 'x', 'b'), { recursive: true });
  await mkdir(join(root, 'ünï', 'ç'), { recursive: true });
  await mkdir(join(root, 'with space'));
  await file(join(root, 'deploy', 'app.yaml'), 'apiVersion: v1\nkind: ConfigMap\n');
  await file(join(root, 'deploy', 'keep.yaml'), 'keep: true\n');
  await file(join(root, 'deploy', 'run.sh'), '#!/bin/sh\necho hi\n', 0o755);
  await file(join(root, 'deploy', 'base', 'secret.yaml'), 'private\n', 0o600);
  await file(join(root, 'deploy.yaml'), 'x: 1\n');
  await file(join(root, 'top.txt'), 'top\n');
  await file(join(root, 'shared', 'group.yaml'), 'g: 1\n', 0o2775);
  await file(join(root, '.git', 'config'), '[core]\n');
  await file(join(root, '.gitignore'), 'ignored\n');
  await file(join(root, 'logo.png'), randomBytes(64));
  await file(join(root, 'build', 'deep', 'out.txt'), 'deep\n');
  await file(join(root, 'a', 'x', 'b', 'f.yaml'), 'f\n');
  await file(join(root, 'ünï', 'ç', 'x.yaml'), 'unicode\n');
  await file(join(root, 'with space', 'a b.yaml'), 'spaces\n');
  await file(join(root, 'empty.yaml'), '');
  const long60 = 'd'.repeat(60);
  await mkdir(join(root, long60, long60), { recursive: true });
  await file(join(root, long60, long60, 'file.yaml'), 'long\n');
  await file(join(root, 'n'.repeat(101)), 'unsplittable: 101-byte name without slash\n');
  await symlink('deploy', join(root, 'link-dir'));
  await symlink('deploy/app.yaml', join(root, 'link-file'));
  await symlink('/etc/passwd', join(root, 'link-out'));
  await symlink('missing', join(root, 'link-dangling'));
}

describe('artifact interop: flux build artifact vs buildLayer', requireTools('flux'), () => {
  let sink = '';
  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'artifact-flux-'));
    sink = join(work, 'sink');
    await kitchenSink(sink);
  });
  after(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  test('default ignores: nested/empty dirs, modes, long, Unicode and spaced names, symlinks skipped', async () => {
    const tar = await assertSameAsFlux({ path: sink });
    const names = tarNames(tar);
    assert.equal(names[0], '.');
    assert.ok(names.includes('empty'));
    assert.ok(names.includes('ünï/ç/x.yaml'));
    assert.ok(!names.some((x) => x.startsWith('.git')), 'default ignores drop .git and .gitignore');
    assert.ok(!names.some((x) => x.startsWith('link-')), 'symlinks are skipped');
    assert.ok(!names.includes('logo.png'));
  });

  test('user patterns: negation, **, anchors, dir-only, last match wins', async () => {
    const tar = await assertSameAsFlux({
      path: sink,
      ignorePaths: [
        '*.yaml',
        '!keep.yaml',
        '**/deep',
        '/top.txt',
        'build/',
        'a/**/b',
        '!a/x/b/f.yaml',
      ],
    });
    const names = tarNames(tar);
    assert.ok(names.includes('deploy/keep.yaml'));
    assert.ok(!names.includes('deploy/app.yaml'));
    // Re-included below an excluded directory whose own entry stays absent (Flux quirk).
    assert.ok(names.includes('a/x/b/f.yaml'));
    assert.ok(!names.includes('a/x/b'));
    // Replacing the defaults means .git is archived.
    assert.ok(names.includes('.git/config'));
  });

  test('empty --ignore-paths archives everything', async () => {
    const names = tarNames(await assertSameAsFlux({ path: sink, ignorePaths: [] }));
    assert.ok(names.includes('.gitignore'));
    assert.ok(names.includes('logo.png'));
  });

  test('long names: 100/101 bytes, prefix at 155/156, > 255 bytes, long non-ASCII (PAX)', async () => {
    const root = join(work, 'long');
    await mkdir(root);
    const cases = [
      ['p'.repeat(155), 'n'.repeat(100)], // splits exactly at the limits
      ['q'.repeat(156), 'n'.repeat(10)], // prefix one byte too long → PAX
      ['r'.repeat(50), 's'.repeat(50), 't'.repeat(100)], // > 200 bytes, splittable
      ['u'.repeat(200), 'v'.repeat(200)], // > 255 bytes → PAX
      ['ł'.repeat(70), 'ż'.repeat(70)], // non-ASCII, long → PAX with truncated ASCII name
      ['w'.repeat(99), 'ü'.repeat(3)], // toASCII form is exactly 100 bytes ending in '/'
      ['w'.repeat(99), 'üxx'], // toASCII form cut at 100 bytes would end in '/'
      ['a'.repeat(86), 'ü'], // PaxHeaders.0 name cut at 100 bytes ends in '/'
    ];
    for (const parts of cases) {
      await mkdir(join(root, ...parts.slice(0, -1)), { recursive: true });
      await file(join(root, ...parts), parts.join('/'));
    }
    await file(join(root, 'x'.repeat(100)), 'exactly 100');
    const names = tarNames(await assertSameAsFlux({ path: root }));
    for (const parts of cases) assert.ok(names.includes(parts.join('/')), parts.join('/'));
  });

  test('single-file path (v2.9: "." 0700 plus the file, umask applied) under umask 022 and 077', async () => {
    const f = join(work, 'single.yaml');
    await file(f, 'kind: Namespace\n', 0o664);
    for (const umask of [0o022, 0o077]) {
      const names = tarNames(await assertSameAsFlux({ path: f, umask }));
      assert.deepEqual(names, ['.', 'single.yaml']);
    }
    // An ignore pattern applies to the single file too.
    assert.deepEqual(tarNames(await assertSameAsFlux({ path: f, ignorePaths: ['*.yaml'] })), ['.']);
  });

  test('path that is a symlink to a file archives the target under the link name', async () => {
    const link = join(work, 'link.yaml');
    await symlink(join(sink, 'deploy', 'app.yaml'), link);
    assert.deepEqual(tarNames(await assertSameAsFlux({ path: link })), ['.', 'link.yaml']);
  });

  test('--resolve-symlinks: file and dir links, chains and cycles inside the tree', async () => {
    const root = join(work, 'resolve');
    await mkdir(join(root, 'real', 'sub'), { recursive: true });
    await chmod(join(root, 'real'), 0o2775);
    await file(join(root, 'real', 'a.yaml'), 'a\n', 0o600);
    await file(join(root, 'real', 'sub', 'b.yaml'), 'b\n', 0o755);
    await symlink('real', join(root, 'dir-link'));
    await symlink('real/a.yaml', join(root, 'file-link'));
    await symlink('file-link', join(root, 'chain'));
    await symlink('..', join(root, 'real', 'sub', 'up')); // cycle back to real/
    await symlink('.', join(root, 'self')); // cycle to the root
    for (const umask of [0o022, 0o027]) {
      const names = tarNames(await assertSameAsFlux({ path: root, resolveSymlinks: true, umask }));
      assert.ok(names.includes('dir-link/sub/b.yaml'));
      assert.ok(names.includes('chain'));
      assert.ok(names.includes('self'));
      assert.ok(!names.some((x) => x.startsWith('self/')), 'a cycle stops at the link');
    }
  });

  test('names that are not valid UTF-8 keep their bytes; the matcher works byte-wise like Go', async () => {
    const root = Buffer.from(join(work, 'bytes'));
    const p = (...parts: number[][]) =>
      Buffer.concat([root, ...parts.map((x) => Buffer.concat([Buffer.from('/'), Buffer.from(x)]))]);
    await mkdir(p([0x64, 0xff, 0xfe]), { recursive: true }); // "d\xff\xfe"
    await writeFile(p([0x64, 0xff, 0xfe], [0x66, 0xc3, 0x28]), 'x'); // "f\xc3(" (bad sequence)
    await writeFile(p([0x61, 0xe9, 0x62]), 'y'); // "a\xe9b" (Latin-1 é)
    await writeFile(p([0x61, 0xc3, 0xa9, 0x62]), 'z'); // "aéb" (UTF-8 é)
    const path = root.toString();
    await assertSameAsFlux({ path });
    // `*[^x]b`: Go's * steps byte by byte, so both spellings of é are excluded.
    const names = tarNames(await assertSameAsFlux({ path, ignorePaths: ['*[^x]b'] }));
    assert.equal(names.length, 3);
  });

  test('large files stream through: 8 MiB random + 8 MiB compressible', async () => {
    const root = join(work, 'large');
    await mkdir(root);
    await file(join(root, 'random.bin'), randomBytes(8 << 20));
    await file(join(root, 'text.yaml'), Buffer.from('key: value\n'.repeat((8 << 20) / 11)));
    const names = tarNames(await assertSameAsFlux({ path: root }));
    assert.deepEqual(names, ['.', 'random.bin', 'text.yaml']);
  });

  test('a symlinked root dir: flux writes an empty tar, we refuse with a message naming path', async () => {
    const link = join(work, 'root-link');
    await symlink(sink, link);
    const theirs = gunzipSync(fluxBuild({ path: link }));
    assert.deepEqual(theirs, Buffer.alloc(1024), 'Flux quirk: just the two trailer blocks');
    await assert.rejects(buildLayer({ path: link, tmpDir: work }), (err: unknown) => {
      assert.ok(err instanceof ArtifactError);
      assert.equal(err.code, 'ROOT_SYMLINK_DIR');
      assert.equal(failureInput(err), 'path');
      assert.match(failureMessage(err) ?? '', /resolve-symlinks/);
      return true;
    });
    // With resolveSymlinks both follow it (into a tree without dangling links, which Flux
    // would refuse).
    const plain = join(work, 'plain');
    await mkdir(join(plain, 'sub'), { recursive: true });
    await file(join(plain, 'sub', 'a.yaml'), 'a\n');
    const plainLink = join(work, 'plain-link');
    await symlink(plain, plainLink);
    const names = tarNames(await assertSameAsFlux({ path: plainLink, resolveSymlinks: true }));
    assert.deepEqual(names, ['.', 'sub', 'sub/a.yaml']);
  });
});
