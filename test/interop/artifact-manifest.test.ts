// Manifest and config bytes judged by `flux push artifact`: flux pushes to a local registry,
// crane reads back what it stored, and buildManifest/configBlob must produce the same bytes.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildLayer } from '../../src/artifact/build.js';
import { annotationsFrom, buildManifest, configBlob } from '../../src/artifact/manifest.js';
import { startRegistry, type TestRegistry } from '../harness/registry.js';
import { requireTools, toolPath } from '../harness/tools.js';

function run(cmd: string, args: string[]): Buffer {
  const r = spawnSync(cmd, args, { timeout: 120_000, env: { ...process.env, TZ: 'UTC' } });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

describe(
  'artifact interop: manifest and config equal flux push artifact',
  requireTools('flux', 'crane', 'docker-registry'),
  () => {
    let work = '';
    let registry: TestRegistry | undefined;
    before(async () => {
      work = await mkdtemp(join(tmpdir(), 'artifact-manifest-'));
      registry = await startRegistry();
    });
    after(async () => {
      await registry?.stop();
      if (work) await rm(work, { recursive: true, force: true });
    });

    test('same manifest bytes, digest and config for the same tree and annotations', async () => {
      const tree = join(work, 'tree');
      await mkdir(join(tree, 'deploy'), { recursive: true });
      await writeFile(join(tree, 'deploy', 'app.yaml'), 'apiVersion: v1\nkind: ConfigMap\n');
      const ref = `${registry!.host}/org/app:v1`;
      const source = 'https://github.com/org/app?x=<1>&y=2';
      const revision = 'main@sha1:0123456789abcdef0123456789abcdef01234567';
      const created = '2026-01-02T03:04:05Z';
      const extra = { 'zz.custom': 'a&b', 'org.opencontainers.image.created': created };
      const out = run(toolPath('flux'), [
        'push',
        'artifact',
        `oci://${ref}`,
        `--path=${tree}`,
        `--source=${source}`,
        `--revision=${revision}`,
        ...Object.entries(extra).map(([k, v]) => `--annotations=${k}=${v}`),
        '--output=json',
      ]);
      const pushed = JSON.parse(out.toString()) as { digest: string };

      const layer = await buildLayer({ path: tree, tmpDir: work });
      try {
        const annotations = annotationsFrom({
          created: '1999-01-01T00:00:00Z',
          source,
          revision,
          extra,
        });
        const ours = buildManifest({ layer, annotations });
        const theirs = run(toolPath('crane'), ['manifest', ref]);
        assert.equal(ours.bytes.toString(), theirs.toString());
        assert.match(
          theirs.toString(),
          /\\u003c1\\u003e\\u0026y/,
          'the escaping path was exercised',
        );
        assert.equal(ours.digest, pushed.digest);

        const config = configBlob();
        const theirConfig = run(toolPath('crane'), [
          'blob',
          `${registry!.host}/org/app@${config.descriptor.digest}`,
        ]);
        assert.deepEqual(config.bytes, theirConfig);
      } finally {
        await layer.cleanup();
      }
    });
  },
);
