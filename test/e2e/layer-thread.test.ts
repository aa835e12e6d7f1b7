// The bundled dist/ under Node 24 builds a tree big enough for the layer encoder thread
// (dist/layer-worker.js, found from the bundle's chunk): the layer pushed is byte for byte what
// the Flux CLI of each line builds (flux v2.9.4 and the Flux 2.10 reference judge it), and the
// run leaves nothing running (the harness fails a run the leftover guard had to end).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { runAction } from '../harness/action.js';
import { startRegistry, type TestRegistry } from '../harness/registry.js';
import { REPO_ROOT, requireTools, toolPath } from '../harness/tools.js';
import { randomBytes, rng, yaml } from '../tools/gogzip/corpus.js';

const PRELOAD = fileURLToPath(new URL('../fixtures/layer-worker/log-threads.mjs', import.meta.url));
const SHA = '4b1e8d7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e9f2c';
const pushEvent = {
  ref: 'refs/heads/main',
  head_commit: { id: SHA, timestamp: '2026-11-20T14:03:07+01:00' },
  repository: { full_name: 'org/app-config', default_branch: 'main' },
};

describe(
  'layer encoder thread in the bundle (dist under Node 24)',
  requireTools('flux', 'flux210'),
  () => {
    let registry: TestRegistry;
    let ws: string;
    let deploy: string;

    before(async () => {
      registry = await startRegistry();
      ws = mkdtempSync(join(tmpdir(), 'ws-thread-'));
      deploy = join(ws, 'deploy');
      // ~5 MiB of tar: past the 4 MiB the build deflates on its own thread when it has read all of
      // it before the thread is ready (src/artifact/layer-sink.ts).
      const r = rng(0x7e4d);
      for (let i = 0; i < 200; i++) {
        const dir = join(deploy, `ns-${i % 9}`);
        mkdirSync(dir, { recursive: true });
        const size = 1 + Math.floor(r() * 20_000);
        writeFileSync(
          join(dir, `m-${i}.yaml`),
          i % 13 === 5 ? randomBytes(size, r) : yaml(size, r),
        );
      }
      writeFileSync(join(deploy, 'bundle.yaml'), yaml(3 << 20, r));
    });
    after(async () => {
      await registry?.stop();
      if (ws) rmSync(ws, { recursive: true, force: true });
    });

    /** sha256 of what the Flux CLI of `line` builds from the tree. */
    function fluxLayerDigest(line: '2.9' | '2.10'): string {
      const out = join(ws, `flux-${line}.tgz`);
      const r =
        line === '2.10'
          ? spawnSync(toolPath('flux210'), ['build', '-p', deploy, '-o', out], { encoding: 'utf8' })
          : spawnSync(toolPath('flux'), ['build', 'artifact', '--path', deploy, '--output', out], {
              encoding: 'utf8',
            });
      assert.equal(r.status, 0, r.stderr);
      return `sha256:${createHash('sha256').update(readFileSync(out)).digest('hex')}`;
    }

    for (const line of ['2.10', '2.9'] as const) {
      test(`flux-version ${line}: the pushed layer is the Flux CLI's, nothing left running`, async () => {
        const log = join(ws, `threads-${line}.log`);
        const r = await runAction('push', {
          inputs: {
            repository: `${registry.host}/org/app-config`,
            path: 'deploy',
            'flux-version': line,
            tags: `line-${line.replace('.', '-')}`,
          },
          event: pushEvent,
          workspace: ws,
          env: { NODE_OPTIONS: `--import=${PRELOAD}`, THREAD_LOG: log },
        });
        assert.equal(r.exitCode, 0, r.stdout + r.stderr);
        assert.equal(r.outputs['layer-digest'], fluxLayerDigest(line));
        // The bundle started its encoder thread from dist/layer-worker.js, and the thread ran.
        const started = readFileSync(log, 'utf8').trim().split('\n');
        assert.deepEqual(started, [
          `start ${pathToFileURL(join(REPO_ROOT, 'dist', 'layer-worker.js'))}`,
          'ready',
        ]);
      });
    }
  },
);
