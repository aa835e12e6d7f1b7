// The bundled dist/ entry points run under Node 24 the way the runner runs them, against a real
// distribution registry on 127.0.0.1; every assertion reads back what the action wrote or what the
// registry holds.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { RegistryClient } from '../../src/oci/client.js';
import { parseRepository } from '../../src/oci/reference.js';
import { runAction } from '../harness/action.js';
import { startRegistry, type TestRegistry } from '../harness/registry.js';

const SHA = '9f2c4b1e8d7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e';
const pushEvent = {
  ref: 'refs/heads/main',
  head_commit: { id: SHA, timestamp: '2026-11-20T14:03:07+01:00' },
  repository: { full_name: 'org/app-config', default_branch: 'main' },
};

function makeTree(): string {
  const ws = mkdtempSync(join(tmpdir(), 'ws-'));
  mkdirSync(join(ws, 'deploy', 'apps'), { recursive: true });
  writeFileSync(
    join(ws, 'deploy', 'apps', 'app.yaml'),
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n',
  );
  writeFileSync(join(ws, 'deploy', 'kustomization.yaml'), 'resources:\n  - apps/app.yaml\n');
  writeFileSync(join(ws, 'deploy', 'logo.png'), 'not really a png');
  chmodSync(join(ws, 'deploy', 'kustomization.yaml'), 0o644);
  return ws;
}

describe('entry points end to end (dist under Node 24)', () => {
  let registry: TestRegistry;
  let ws: string;
  let client: RegistryClient;
  let repo: string;

  before(async () => {
    registry = await startRegistry({ auth: 'basic' });
    ws = makeTree();
    repo = `${registry.host}/org/app-config`;
    client = new RegistryClient(parseRepository(repo), {
      username: registry.username,
      password: registry.password,
      ignoreDockerConfig: true,
    });
  });
  after(async () => {
    await registry?.stop();
    if (ws) rmSync(ws, { recursive: true, force: true });
  });

  const auth = () => ({ username: registry.username ?? '', password: registry.password ?? '' });

  test('push: outputs, tags and annotations from a branch push event', async () => {
    const r = await runAction('push', {
      inputs: { repository: `oci://${repo}`, path: 'deploy', ...auth() },
      event: pushEvent,
      workspace: ws,
    });
    assert.equal(r.exitCode, 0, r.stdout + r.stderr);
    const o = r.outputs;
    assert.match(o.digest ?? '', /^sha256:[a-f0-9]{64}$/);
    assert.equal(o['digest-url'], `${repo}@${o.digest}`);
    assert.equal(o.url, `oci://${repo}@${o.digest}`);
    assert.equal(o.tags, 'latest\nmain-9f2c4b1');
    assert.equal(o.pushed, 'true');
    assert.equal(o.source, 'https://github.com/org/app-config');
    assert.equal(o.revision, `main@sha1:${SHA}`);
    const json = JSON.parse(o.json ?? '{}');
    assert.equal(json.digest, o.digest);
    assert.equal(json.tag, 'latest');
    assert.deepEqual(json.tags, ['latest', 'main-9f2c4b1']);

    // The registry holds the manifest under both tags, with Flux's annotations.
    for (const tag of ['latest', 'main-9f2c4b1']) {
      const m = await client.getManifest(tag);
      assert.equal(m.digest, o.digest);
      const doc = JSON.parse(m.bytes.toString());
      assert.equal(doc.annotations['org.opencontainers.image.created'], '2026-11-20T13:03:07Z');
      assert.equal(doc.layers[0].digest, o['layer-digest']);
    }
    assert.match(r.summary, /Flux OCI artifact published/);
    assert.ok(r.summary.includes(o.digest ?? 'x'));
    // The password never reaches the log.
    assert.ok(!r.stdout.replace(/::add-mask::.*/g, '').includes(registry.password ?? 'x'));
  });

  test('push with diff-tag: nothing pushed when unchanged, tags still point at the digest', async () => {
    const first = await client.getManifest('latest');
    const r = await runAction('push', {
      inputs: { repository: repo, path: 'deploy', 'diff-tag': 'latest', tags: 'stable', ...auth() },
      event: pushEvent,
      workspace: ws,
    });
    assert.equal(r.exitCode, 0, r.stdout + r.stderr);
    assert.equal(r.outputs.pushed, 'false');
    assert.equal(r.outputs.digest, first.digest);
    assert.equal((await client.headManifest('stable'))?.digest, first.digest);
  });

  test('the same tree pushed again gives the same digest (created from the commit); summary: false writes none', async () => {
    const r = await runAction('push', {
      inputs: { repository: repo, path: 'deploy', tags: 'again', summary: 'false', ...auth() },
      event: pushEvent,
      workspace: ws,
    });
    assert.equal(r.exitCode, 0, r.stdout + r.stderr);
    assert.equal(r.outputs.digest, (await client.headManifest('latest'))?.digest);
    assert.equal(r.summary, '');
  });

  test('diff: unchanged, then a file-level list after a change', async () => {
    let r = await runAction('diff', {
      inputs: { repository: repo, ref: 'latest', path: 'deploy', ...auth() },
      workspace: ws,
    });
    assert.equal(r.exitCode, 0, r.stdout + r.stderr);
    assert.equal(r.outputs.changed, 'false');
    writeFileSync(
      join(ws, 'deploy', 'apps', 'app.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app2\n',
    );
    writeFileSync(join(ws, 'deploy', 'new.yaml'), 'kind: Namespace\n');
    try {
      r = await runAction('diff', {
        inputs: { repository: repo, ref: 'latest', path: 'deploy', ...auth() },
        workspace: ws,
      });
      assert.equal(r.exitCode, 0, r.stdout + r.stderr);
      assert.equal(r.outputs.changed, 'true');
      assert.equal(r.outputs.added, 'new.yaml');
      assert.equal(r.outputs.modified, 'apps/app.yaml');
      assert.equal(r.outputs.removed, '');
      assert.match(r.summary, /Added \(1\)/);
      r = await runAction('diff', {
        inputs: {
          repository: repo,
          ref: 'latest',
          path: 'deploy',
          'fail-on-change': 'true',
          ...auth(),
        },
        workspace: ws,
      });
      assert.equal(r.exitCode, 1);
      assert.match(r.errors.join('\n'), /differ/);
    } finally {
      rmSync(join(ws, 'deploy', 'new.yaml'));
      writeFileSync(
        join(ws, 'deploy', 'apps', 'app.yaml'),
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n',
      );
    }
  });

  test('tag: promote by digest; if-exists fail refuses to move, skip leaves it', async () => {
    const latest = await client.getManifest('latest');
    let r = await runAction('tag', {
      inputs: { repository: repo, ref: latest.digest, tags: 'v1.0.0, production', ...auth() },
      workspace: ws,
    });
    assert.equal(r.exitCode, 0, r.stdout + r.stderr);
    assert.equal((await client.headManifest('v1.0.0'))?.digest, latest.digest);
    assert.equal((await client.headManifest('production'))?.digest, latest.digest);

    // A ref with placeholders: the tag publish gave this commit on main.
    r = await runAction('tag', {
      inputs: { repository: repo, ref: 'main-{{short-sha}}', tags: 'from-placeholder', ...auth() },
      workspace: ws,
    });
    assert.equal(r.exitCode, 0, r.stdout + r.stderr);
    assert.equal(r.outputs.digest, (await client.headManifest('main-9f2c4b1'))?.digest);

    // Point "other" at a different artifact, then try to move it.
    const other = await runAction('push', {
      inputs: { repository: repo, path: 'deploy/apps', tags: 'other', ...auth() },
      event: pushEvent,
      workspace: ws,
    });
    assert.equal(other.exitCode, 0, other.stdout);
    r = await runAction('tag', {
      inputs: {
        repository: repo,
        ref: 'latest',
        tags: 'other,brand-new',
        'if-exists': 'fail',
        ...auth(),
      },
      workspace: ws,
    });
    assert.equal(r.exitCode, 1);
    // One line: the tag, where it is, and the input that changes it (worded in src/github).
    assert.match(
      r.errors.join(''),
      /tag already points at another artifact: other \(at sha256:[0-9a-f]{64}\); choose other tags or set if-exists: overwrite/,
    );
    assert.equal(
      await client.headManifest('brand-new'),
      undefined,
      'nothing tagged when one tag fails',
    );
    assert.equal((await client.headManifest('other'))?.digest, other.outputs.digest);

    r = await runAction('tag', {
      inputs: { repository: repo, ref: 'latest', tags: 'other', 'if-exists': 'skip', ...auth() },
      workspace: ws,
    });
    assert.equal(r.exitCode, 0);
    assert.equal(r.outputs.skipped, 'other');
    assert.match(r.stdout, /::warning::tag other left at sha256:[0-9a-f]{64} \(if-exists: skip\)/);
    assert.equal((await client.headManifest('other'))?.digest, other.outputs.digest);
  });

  test('list: tags with digest, source and revision; semver filter', async () => {
    const r = await runAction('list', { inputs: { repository: repo, ...auth() }, workspace: ws });
    assert.equal(r.exitCode, 0, r.stdout + r.stderr);
    const listed = (JSON.parse(r.outputs.json ?? '{}') as { artifacts: unknown }).artifacts as {
      tag: string;
      digest: string;
      revision: string;
    }[];
    const tags = listed.map((a) => a.tag);
    assert.deepEqual(tags, [...tags].sort().reverse());
    assert.ok(tags.includes('latest') && tags.includes('v1.0.0'));
    assert.equal(listed.find((a) => a.tag === 'latest')?.revision, `main@sha1:${SHA}`);
    const f = await runAction('list', {
      inputs: { repository: repo, 'filter-semver': '>=1.0.0', ...auth() },
      workspace: ws,
    });
    assert.equal(f.outputs.tags, 'v1.0.0');
  });

  test('pull: extracts the artifact and reports its annotations', async () => {
    const r = await runAction('pull', {
      inputs: { repository: repo, ref: 'latest', output: 'out', ...auth() },
      workspace: ws,
    });
    assert.equal(r.exitCode, 0, r.stdout + r.stderr);
    assert.equal(
      readFileSync(join(ws, 'out', 'kustomization.yaml'), 'utf8'),
      'resources:\n  - apps/app.yaml\n',
    );
    assert.equal(r.outputs.revision, `main@sha1:${SHA}`);
    assert.equal(r.outputs.files, '2', 'logo.png is ignored by Flux defaults');
  });
});
