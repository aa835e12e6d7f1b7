// Seeded differential fuzzing: random trees built by `flux build artifact` (v2.9.x) and by
// buildLayer must give identical tar bytes and identical tgz bytes.
// ARTIFACT_FUZZ_CASES=500 ARTIFACT_FUZZ_SEED=1234 for a longer run; a failure names its seed.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { buildLayer, currentUmask } from '../../src/artifact/build.js';
import { requireTools, toolPath } from '../harness/tools.js';
import { firstDifference, makeRandomTree, tarEntryAt } from '../harness/trees.js';

const CASES = Number(process.env.ARTIFACT_FUZZ_CASES ?? 25);
const SEED = Number(process.env.ARTIFACT_FUZZ_SEED ?? 20260807);

function ignoreArgs(ignorePaths: string[] | undefined): string[] {
  if (ignorePaths === undefined) return [];
  if (ignorePaths.length === 0) return ['--ignore-paths='];
  return ignorePaths.map((p) => `--ignore-paths=${p}`);
}

describe('artifact fuzz: random trees, flux vs buildLayer', requireTools('flux'), () => {
  let work = '';
  after(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  test(`${CASES} random trees from seed ${SEED} give the same tar and tgz bytes`, async () => {
    work = await mkdtemp(join(tmpdir(), 'artifact-fuzz-'));
    const flux = toolPath('flux');
    const umask = await currentUmask();
    let totalEntries = 0;
    for (let i = 0; i < CASES; i++) {
      const seed = SEED + i;
      // Every third case resolves symlinks; its links then stay inside the tree and exist.
      const resolve = seed % 3 === 2;
      const caseDir = join(work, String(seed));
      const tree = join(caseDir, 'tree');
      const spec = await makeRandomTree(tree, seed, { linksInsideOnly: resolve });
      const out = join(caseDir, 'flux.tgz');
      const args = ['build', 'artifact', '-p', tree, '-o', out, ...ignoreArgs(spec.ignorePaths)];
      if (resolve) args.push('--resolve-symlinks');
      const r = spawnSync(flux, args, { encoding: 'utf8', timeout: 60_000 });
      assert.equal(r.status, 0, `seed ${seed}: flux failed: ${r.stderr}`);

      const layer = await buildLayer({
        path: tree,
        ignorePaths: spec.ignorePaths,
        resolveSymlinks: resolve,
        umask,
        tmpDir: caseDir,
      });
      try {
        const theirsGz = await readFile(out);
        const oursGz = await readFile(layer.file);
        const theirs = gunzipSync(theirsGz);
        const ours = gunzipSync(oursGz);
        const at = firstDifference(ours, theirs);
        assert.equal(
          at,
          -1,
          `seed ${seed} (resolve=${resolve}, ignore=${JSON.stringify(spec.ignorePaths)}): tar differs at byte ${at}, in flux's entry ${tarEntryAt(theirs, at)} / ours ${tarEntryAt(ours, at)}; reproduce with ARTIFACT_FUZZ_SEED=${seed} ARTIFACT_FUZZ_CASES=1`,
        );
        const gzAt = firstDifference(oursGz, theirsGz);
        assert.equal(gzAt, -1, `seed ${seed}: tar equal but tgz differs at byte ${gzAt}`);
        totalEntries += layer.entries;
      } finally {
        await layer.cleanup();
        await rm(caseDir, { recursive: true, force: true });
      }
    }
    // The generator must actually produce content, or the comparison proves nothing.
    assert.ok(totalEntries > CASES * 3, `only ${totalEntries} entries over ${CASES} trees`);
  });
});
