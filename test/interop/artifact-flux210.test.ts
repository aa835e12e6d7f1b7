// Flux 2.10 bytes: our layer, config and manifest against the Flux 2.10 reference
// (test/tools/flux210: fluxcd/pkg/oci v0.73.0 Client.Push built with Go 1.27, pushing to an
// in-process registry), on golden trees and a seeded fuzzer. Any difference fails with the first
// differing offset and the seed. ARTIFACT_FUZZ_CASES / ARTIFACT_FUZZ_SEED for a longer run.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import {
  annotationsFrom,
  buildLayer,
  buildManifest,
  CREATED_ANNOTATION,
  configBlob,
  fluxFormat,
} from '../../src/artifact/index.js';
import { requireTools, toolPath } from '../harness/tools.js';
import { firstDifference, makeRandomTree, tarEntryAt } from '../harness/trees.js';
import { randomBytes, rng, yaml } from '../tools/gogzip/corpus.js';

const CASES = Number(process.env.ARTIFACT_FUZZ_CASES ?? 25);
const SEED = Number(process.env.ARTIFACT_FUZZ_SEED ?? 20261024);
const SOURCE = 'https://github.com/org/app';
const REVISION = `main@sha1:${'3f45e72f'.repeat(5)}`;
/** `created` values Flux accepts, with offsets and fractions Go re-serialises. */
const CREATED = [
  '2026-10-24T10:00:00Z',
  '1970-01-01T00:00:00Z',
  '2026-10-24T12:30:15+02:00',
  '2026-10-24T12:30:15.120+02:00',
  '2026-10-24T12:30:15.000000000Z',
  '2026-10-24T12:30:15,5-07:30',
  '2026-10-24T12:30:15.1234567891+00:00',
  '2026-02-28T23:59:59.000000001-00:00',
];

interface Artifact {
  layer: Buffer;
  config: Buffer;
  manifest: Buffer;
}

let work = '';
let n = 0;

function ignoreArgs(ignorePaths: string[] | undefined): string[] {
  if (ignorePaths === undefined) return [];
  if (ignorePaths.length === 0) return ['--ignore-paths='];
  return ignorePaths.map((p) => `--ignore-paths=${p}`);
}

/** The reference: what pkg/oci v0.73.0 pushes for this tree. */
async function reference(
  path: string,
  ignorePaths: string[] | undefined,
  created: string,
): Promise<Artifact> {
  const out = join(work, `ref-${n++}`);
  const args = ['artifact', '-f', path, '--out', out, '--source', SOURCE, '--revision', REVISION];
  args.push('-a', `${CREATED_ANNOTATION}=${created}`, ...ignoreArgs(ignorePaths));
  const r = spawnSync(toolPath('flux210'), args, { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, `flux210 failed: ${r.stderr}`);
  const read = (f: string) => readFile(join(out, f));
  const art = {
    layer: await read('layer.tgz'),
    config: await read('config.json'),
    manifest: await read('manifest.json'),
  };
  await rm(out, { recursive: true, force: true });
  return art;
}

/** Ours with flux-version 2.10, as publish builds it. */
async function ours(
  path: string,
  ignorePaths: string[] | undefined,
  created: string,
): Promise<Artifact> {
  const format = fluxFormat('2.10');
  const layer = await buildLayer({
    path,
    gzip: format.gzip,
    tmpDir: work,
    umask: 0o022,
    ...(ignorePaths !== undefined ? { ignorePaths } : {}),
  });
  try {
    const annotations = annotationsFrom({ created, source: SOURCE, revision: REVISION });
    const config = configBlob(format, annotations[CREATED_ANNOTATION]);
    const manifest = buildManifest({
      layer: { digest: layer.digest, size: layer.size },
      annotations,
      config: config.descriptor,
    });
    return { layer: await readFile(layer.file), config: config.bytes, manifest: manifest.bytes };
  } finally {
    await layer.cleanup();
  }
}

function assertSame(mine: Artifact, theirs: Artifact, what: string): void {
  const tar = gunzipSync(mine.layer);
  const theirTar = gunzipSync(theirs.layer);
  const t = firstDifference(tar, theirTar);
  assert.equal(
    t,
    -1,
    `${what}: tar differs at byte ${t}: reference entry ${tarEntryAt(theirTar, t)}, ours ${tarEntryAt(tar, t)}`,
  );
  const l = firstDifference(mine.layer, theirs.layer);
  assert.equal(l, -1, `${what}: tar equal but layer (gzip) differs at byte ${l}`);
  const c = firstDifference(mine.config, theirs.config);
  assert.equal(
    c,
    -1,
    `${what}: config differs at byte ${c}: ours ${mine.config}, ref ${theirs.config}`,
  );
  const m = firstDifference(mine.manifest, theirs.manifest);
  assert.equal(m, -1, `${what}: manifest differs at byte ${m}`);
}

describe(
  'Flux 2.10 artifacts: byte-identical to pkg/oci v0.73.0 + Go 1.27',
  requireTools('flux210'),
  () => {
    before(async () => {
      work = await mkdtemp(join(tmpdir(), 'flux210-'));
      const v = spawnSync(toolPath('flux210'), ['version'], { encoding: 'utf8' });
      assert.match(
        v.stdout,
        /pkg\/oci v0\.73\.0 go1\.27\./,
        'reference is pkg/oci v0.73.0 on Go 1.27',
      );
    });
    after(async () => {
      if (work) await rm(work, { recursive: true, force: true });
    });

    test('golden trees: names, modes, empty dirs, long paths, ignore rules', async () => {
      const root = join(work, 'golden');
      await mkdir(join(root, 'deploy', 'empty'), { recursive: true });
      await mkdir(join(root, 'ünï code', 'ç'), { recursive: true });
      await mkdir(join(root, '.git'), { recursive: true });
      await writeFile(join(root, '.git', 'HEAD'), 'ref: refs/heads/main\n');
      await writeFile(join(root, 'deploy', 'app.yaml'), yaml(5000, rng(1)));
      await writeFile(join(root, 'deploy', 'run.sh'), '#!/bin/sh\necho hi\n');
      await chmod(join(root, 'deploy', 'run.sh'), 0o755);
      await writeFile(join(root, 'ünï code', 'ç', 'file name.yaml'), 'a: b\n');
      await writeFile(join(root, 'logo.png'), randomBytes(300, rng(2)));
      await writeFile(join(root, 'private.txt'), 'secret-ish\n');
      await chmod(join(root, 'private.txt'), 0o600);
      await writeFile(join(root, 'empty.yaml'), '');
      await writeFile(join(root, 'tiny'), 'x');
      const long = join(root, 'l'.repeat(90), 'm'.repeat(90));
      await mkdir(long, { recursive: true });
      await writeFile(join(long, `${'n'.repeat(120)}.yaml`), 'long: path\n');
      for (const [i, ignore] of [
        undefined,
        [],
        ['*.png', '!logo.png', 'deploy/', '/tiny'],
        ['**/ç', '*.txt'],
      ].entries()) {
        const created = CREATED[i % CREATED.length]!;
        assertSame(
          await ours(root, ignore, created),
          await reference(root, ignore, created),
          `golden tree, ignore ${JSON.stringify(ignore)}, created ${created}`,
        );
      }
      // A single file: Flux stages it in a 0700 temp dir, archived with a `.` entry.
      const file = join(root, 'deploy', 'app.yaml');
      assertSame(
        await ours(file, undefined, CREATED[0]!),
        await reference(file, undefined, CREATED[0]!),
        'single file',
      );
    });

    test('every `created` form: config and manifest digests follow it', async () => {
      const root = join(work, 'created');
      await mkdir(root, { recursive: true });
      await writeFile(join(root, 'cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\n');
      const digests = new Set<string>();
      for (const created of CREATED) {
        const mine = await ours(root, undefined, created);
        assertSame(mine, await reference(root, undefined, created), `created ${created}`);
        digests.add(mine.config.toString());
      }
      assert.ok(digests.size >= 6, 'distinct created times give distinct configs');
    });

    test('large files: empty, tiny, highly compressible and incompressible, tens of MB', async () => {
      const root = join(work, 'large');
      await mkdir(join(root, 'data'), { recursive: true });
      const r = rng(3);
      await writeFile(join(root, 'data', 'random-12m.bin'), randomBytes(12 << 20, r));
      await writeFile(join(root, 'data', 'zeros-8m'), Buffer.alloc(8 << 20));
      await writeFile(join(root, 'data', 'manifests-10m.yaml'), yaml(10 << 20, r));
      await writeFile(join(root, 'data', 'one'), 'a');
      await writeFile(join(root, 'data', 'none'), '');
      for (let i = 0; i < 40; i++)
        await writeFile(join(root, `f${i}.yaml`), yaml(200 + i * 997, r));
      assertSame(
        await ours(root, [], CREATED[2]!),
        await reference(root, [], CREATED[2]!),
        'large tree',
      );
    });

    test(`fuzz: ${CASES} random trees from seed ${SEED}`, async () => {
      let entries = 0;
      for (let i = 0; i < CASES; i++) {
        const seed = SEED + i;
        const dir = join(work, `fuzz-${seed}`);
        const spec = await makeRandomTree(dir, seed, {
          maxFileSize: seed % 5 === 0 ? 3 << 20 : 300 << 10,
        });
        const created = CREATED[seed % CREATED.length]!;
        const mine = await ours(dir, spec.ignorePaths, created);
        assertSame(
          mine,
          await reference(dir, spec.ignorePaths, created),
          `seed ${seed} (ignore ${JSON.stringify(spec.ignorePaths)}, created ${created}); reproduce with ARTIFACT_FUZZ_SEED=${seed} ARTIFACT_FUZZ_CASES=1`,
        );
        entries += spec.files + spec.dirs;
        await rm(dir, { recursive: true, force: true });
      }
      console.log(
        `flux210 fuzz: ${CASES} cases from seed ${SEED}, ${entries} entries, 0 differences`,
      );
      assert.ok(entries > CASES * 3, `only ${entries} entries over ${CASES} trees`);
    });
  },
);
