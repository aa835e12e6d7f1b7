// Our bundled entry points and the real flux CLI (v2.9.4) against one registry: the same tree
// gives the same digests, and each reads what the other pushed. crane and oras read our manifests.
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
      });
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
  },
);
