// Our bundled entry points and the real flux CLI (v2.9.4) against one registry: the same tree
// gives the same digests, and each reads what the other pushed. crane and oras read our manifests.
// Flux 2.10 format: our push equals the Flux 2.10 reference's (test/tools/flux210) push, the 2.9
// CLI pulls and lists it, and our diff sees no change between a 2.9- and a 2.10-compressed push.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { configBlob } from '../../src/artifact/index.js';
import { runAction } from '../harness/action.js';
import { startRegistry, type TestRegistry } from '../harness/registry.js';
import { requireTools, toolPath } from '../harness/tools.js';

const run = promisify(execFile);
const SHA = '0123456789abcdef0123456789abcdef01234567';
const SOURCE = 'https://github.com/org/app-config';
const REVISION = `main@sha1:${SHA}`;

async function flux(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  // A private HOME keeps flux away from any user Docker config; TZ=UTC for --reproducible.
  return run(toolPath('flux'), args, {
    env: { PATH: process.env.PATH, HOME: tmpdir(), TZ: 'UTC' },
    timeout: 120_000,
  });
}

function tree(): string {
  const ws = mkdtempSync(join(tmpdir(), 'interop-'));
  const d = join(ws, 'deploy');
  mkdirSync(join(d, 'apps', 'empty'), { recursive: true });
  mkdirSync(join(d, 'ünïcode dir'), { recursive: true });
  writeFileSync(join(d, 'apps', 'app.yaml'), 'apiVersion: v1\nkind: ConfigMap\n'.repeat(200));
  writeFileSync(join(d, 'ünïcode dir', 'ç.yaml'), 'x: y\n');
  writeFileSync(join(d, `${'long-name-'.repeat(12)}.yaml`), 'long: true\n');
  writeFileSync(join(d, 'run.sh'), '#!/bin/sh\necho hi\n');
  chmodSync(join(d, 'run.sh'), 0o755);
  writeFileSync(join(d, 'secret.yaml'), 'private: true\n');
  chmodSync(join(d, 'secret.yaml'), 0o600);
  writeFileSync(join(d, 'image.png'), 'png');
  return ws;
}

function files(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (p: string) => {
    for (const name of readdirSync(p)) {
      const full = join(p, name);
      if (statSync(full).isDirectory()) walk(full);
      else out[relative(dir, full)] = readFileSync(full, 'utf8');
    }
  };
  walk(dir);
  return out;
}

describe(
  'interop with the flux CLI through a registry',
  requireTools('flux', 'crane', 'node24'),
  () => {
    let registry: TestRegistry;
    let ws: string;
    let repo: string;
    const ours = async (entry: string, inputs: Record<string, string>) => {
      const r = await runAction(entry, {
        inputs: { repository: repo, ...inputs },
        workspace: ws,
        event: { ref: 'refs/heads/main' },
      });
      assert.equal(r.exitCode, 0, `${entry} failed:\n${r.stdout}\n${r.stderr}`);
      return r;
    };

    before(async () => {
      registry = await startRegistry({ auth: 'none' });
      ws = tree();
      repo = `${registry.host}/org/app-config`;
    });
    after(async () => {
      await registry?.stop();
      if (ws) rmSync(ws, { recursive: true, force: true });
    });

    test('same tree, same annotations: our digest equals flux push --reproducible', async () => {
      const mine = await ours('push', {
        path: 'deploy',
        tags: 'ours',
        source: SOURCE,
        revision: REVISION,
        created: 'epoch',
        'flux-version': '2.9',
      });
      assert.equal(mine.outputs['flux-version'], '2.9');
      const { stdout } = await flux(
        'push',
        'artifact',
        `oci://${repo}:theirs`,
        '--path',
        join(ws, 'deploy'),
        '--source',
        SOURCE,
        '--revision',
        REVISION,
        '--reproducible',
        '--output',
        'json',
      );
      const theirs = JSON.parse(stdout) as { digest: string; repository: string };
      assert.equal(mine.outputs.digest, theirs.digest, 'manifest digest differs from flux push');
      assert.equal(mine.outputs.repository, theirs.repository);
      const { stdout: cm } = await run(toolPath('crane'), ['manifest', `${repo}:ours`]);
      const { stdout: fm } = await run(toolPath('crane'), ['manifest', `${repo}:theirs`]);
      assert.equal(cm, fm, 'manifest bytes differ');
    });

    test('flux diff artifact sees no change against what we pushed', async () => {
      const { stderr } = await flux(
        'diff',
        'artifact',
        `oci://${repo}:ours`,
        '--path',
        join(ws, 'deploy'),
      );
      assert.match(stderr, /no changes detected/);
    });

    test('flux pull artifact extracts what we pushed', async () => {
      const out = mkdtempSync(join(tmpdir(), 'flux-pull-'));
      try {
        const { stderr } = await flux('pull', 'artifact', `oci://${repo}:ours`, '--output', out);
        assert.match(stderr, new RegExp(`revision ${REVISION}`));
        const expected = files(join(ws, 'deploy'));
        delete expected['image.png'];
        assert.deepEqual(files(out), expected);
      } finally {
        rmSync(out, { recursive: true, force: true });
      }
    });

    test('flux list artifacts shows our source and revision', async () => {
      const { stdout } = await flux('list', 'artifacts', `oci://${repo}`);
      const line = stdout.split('\n').find((l) => l.startsWith(`${repo}:ours`));
      assert.ok(line, stdout);
      assert.ok(line.includes(SOURCE) && line.includes(REVISION), line);
    });

    test('our filter-regex selects what flux list artifacts --filter-regex selects (Go regexp)', async () => {
      // Mid-pattern flags, ungreedy mode and repeated anchors: Go syntax a JS RegExp refuses.
      for (const pattern of ['(?i)^OURS$', 'o(?i)URS', '(?U)^t.+s$', 's\\z+', '^(?P<n>the)']) {
        const { stdout } = await flux(
          'list',
          'artifacts',
          `oci://${repo}`,
          '--filter-regex',
          pattern,
        );
        const theirs = stdout
          .split('\n')
          .filter((l) => l.startsWith(`${repo}:`))
          .map((l) => (l.split(/\s+/)[0] as string).slice(repo.length + 1))
          .sort();
        const l = await ours('list', { 'filter-regex': pattern });
        assert.equal(l.exitCode, 0, l.stdout + l.stderr);
        const mine = (l.outputs.tags ?? '').split('\n').filter(Boolean).sort();
        assert.ok(theirs.length > 0, `${pattern} selects nothing in flux, so proves little`);
        assert.deepEqual(mine, theirs, pattern);
      }
    });

    test('our diff, tag, list and pull work on an artifact flux pushed', async () => {
      const d = await ours('diff', { ref: 'theirs', path: 'deploy' });
      assert.equal(d.outputs.changed, 'false');
      const t = await ours('tag', { ref: 'theirs', tags: 'promoted' });
      const { stdout: digest } = await run(toolPath('crane'), ['digest', `${repo}:theirs`]);
      assert.equal(t.outputs.digest, digest.trim());
      const l = await ours('list', { 'filter-regex': '^theirs$' });
      const listed = JSON.parse(l.outputs.json ?? '{}').artifacts;
      assert.equal(listed[0]?.revision, REVISION);
      const p = await ours('pull', { ref: 'promoted', output: 'pulled' });
      assert.equal(p.outputs.source, SOURCE);
      const expected = files(join(ws, 'deploy'));
      delete expected['image.png'];
      assert.deepEqual(files(join(ws, 'pulled')), expected);
    });

    test('crane reads our config blob', async () => {
      const { stdout: config } = await run(toolPath('crane'), ['config', `${repo}:ours`]);
      assert.equal(config, configBlob().bytes.toString());
    });

    test('oras reads our manifest', requireTools('oras'), async () => {
      const { stdout } = await run(toolPath('oras'), [
        'manifest',
        'fetch',
        '--plain-http',
        `${repo}:ours`,
      ]);
      const m = JSON.parse(stdout);
      assert.equal(m.config.mediaType, 'application/vnd.cncf.flux.config.v1+json');
      assert.equal(m.layers[0].mediaType, 'application/vnd.cncf.flux.content.v1.tar+gzip');
      assert.equal(m.annotations['org.opencontainers.image.revision'], REVISION);
    });

    test(
      'flux-version 2.10 (default): our push equals the Flux 2.10 reference push',
      requireTools('flux210'),
      async () => {
        const mine = await ours('push', {
          path: 'deploy',
          tags: 'ours210',
          source: SOURCE,
          revision: REVISION,
          created: 'epoch',
        });
        assert.equal(mine.outputs['flux-version'], '2.10');
        const { stdout } = await run(
          toolPath('flux210'),
          [
            'push',
            `oci://${repo}:ref210`,
            '-f',
            join(ws, 'deploy'),
            '--source',
            SOURCE,
            '--revision',
            REVISION,
            '--reproducible',
            '-o',
            'json',
          ],
          { env: { PATH: process.env.PATH, HOME: tmpdir(), TZ: 'UTC' }, timeout: 120_000 },
        );
        const theirs = JSON.parse(stdout) as { digest: string };
        assert.equal(
          mine.outputs.digest,
          theirs.digest,
          'manifest digest differs from the 2.10 reference',
        );
        const { stdout: cm } = await run(toolPath('crane'), ['manifest', `${repo}:ours210`]);
        const { stdout: fm } = await run(toolPath('crane'), ['manifest', `${repo}:ref210`]);
        assert.equal(cm, fm, 'manifest bytes differ');
        const { stdout: ours29 } = await run(toolPath('crane'), ['manifest', `${repo}:ours`]);
        assert.notEqual(
          JSON.parse(cm).layers[0].digest,
          JSON.parse(ours29).layers[0].digest,
          'the 2.10 layer is compressed differently',
        );
      },
    );

    test('the flux 2.9 CLI pulls and lists a 2.10-format artifact', async () => {
      const out = mkdtempSync(join(tmpdir(), 'flux-pull-'));
      try {
        const { stderr } = await flux('pull', 'artifact', `oci://${repo}:ours210`, '--output', out);
        assert.match(stderr, new RegExp(`revision ${REVISION}`));
        const expected = files(join(ws, 'deploy'));
        delete expected['image.png'];
        assert.deepEqual(files(out), expected);
      } finally {
        rmSync(out, { recursive: true, force: true });
      }
      const { stdout } = await flux('list', 'artifacts', `oci://${repo}`);
      const line = stdout.split('\n').find((l) => l.startsWith(`${repo}:ours210`));
      assert.ok(line?.includes(REVISION), stdout);
    });

    test('our diff: a 2.9-compressed and a 2.10-compressed push of one tree are unchanged', async () => {
      // Built as 2.10, compared with the 2.9 push (and the other way round): tar content decides.
      const a = await ours('diff', { ref: 'ours', path: 'deploy' });
      assert.equal(a.outputs.changed, 'false');
      assert.equal(a.outputs['decided-by'], 'tar-content');
      const b = await ours('diff', { ref: 'ours210', path: 'deploy', 'flux-version': '2.9' });
      assert.equal(b.outputs.changed, 'false');
      assert.equal(b.outputs['decided-by'], 'tar-content');
      // Same line: the layer digests settle it.
      const c = await ours('diff', { ref: 'ours210', path: 'deploy' });
      assert.equal(c.outputs['decided-by'], 'layer-digest');
      assert.equal(c.outputs.changed, 'false');
      // Flux's own rule still says "changed" across lines, as `flux diff artifact` does.
      const d = await ours('diff', { ref: 'ours', path: 'deploy', 'diff-rule': 'layer-digest' });
      assert.equal(d.outputs.changed, 'true');
      assert.equal(d.outputs['decided-by'], 'layer-digest');
      await assert.rejects(
        flux('diff', 'artifact', `oci://${repo}:ours210`, '--path', join(ws, 'deploy')),
        /differs from the local one/,
      );
    });

    test('push with diff-tag: a tag pushed by Flux 2.9 is not replaced by 2.10 bytes of the same tree', async () => {
      const r = await ours('push', {
        path: 'deploy',
        tags: 'after-upgrade',
        'diff-tag': 'theirs',
        source: SOURCE,
        revision: REVISION,
        created: 'epoch',
      });
      assert.equal(r.outputs.pushed, 'false');
      assert.equal(r.outputs['decided-by'], 'tar-content');
      const { stdout: digest } = await run(toolPath('crane'), ['digest', `${repo}:theirs`]);
      assert.equal(r.outputs.digest, digest.trim());
    });

    test('a changed tree is changed under both rules', async () => {
      writeFileSync(join(ws, 'deploy', 'apps', 'new.yaml'), 'new: true\n');
      try {
        for (const rule of ['tar-content', 'layer-digest']) {
          const r = await ours('diff', { ref: 'ours', path: 'deploy', 'diff-rule': rule });
          assert.equal(r.outputs.changed, 'true', rule);
          assert.equal(r.outputs.added, 'apps/new.yaml');
        }
      } finally {
        rmSync(join(ws, 'deploy', 'apps', 'new.yaml'));
      }
    });
  },
);
