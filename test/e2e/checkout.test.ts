// The bundled dist/ under Node 24 on workspaces checked out the way actions/checkout does (real
// git, depth 1, GitHub's refs/pull/N/merge) against a real registry: a forgotten checkout is
// refused and moves nothing, a merge checkout fails with the checkout lines (or is labelled as
// the merge with pr-content: merge), a re-run PR job gives the same digest, and a feature branch
// never moves latest.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { RegistryClient } from '../../src/oci/client.js';
import { parseRepository } from '../../src/oci/reference.js';
import { runAction } from '../harness/action.js';
import { fixturePayload } from '../harness/events.js';
import { checkoutLike, git, makeOrigin, type Origin } from '../harness/git.js';
import { startRegistry, type TestRegistry } from '../harness/registry.js';

describe('real checkouts end to end (dist under Node 24)', () => {
  let registry: TestRegistry;
  let root: string;
  let origin: Origin;
  let repo: string;
  let client: RegistryClient;

  before(async () => {
    registry = await startRegistry();
    root = mkdtempSync(join(tmpdir(), 'e2e-checkout-'));
    origin = makeOrigin(root);
    repo = `${registry.host}/org/app-config`;
    client = new RegistryClient(parseRepository(repo), { ignoreDockerConfig: true });
  });
  after(async () => {
    await registry?.stop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  /** The push fixture, on this origin's commit of `branch`. */
  const pushEvent = (branch: string, sha: string) => {
    const ev = fixturePayload('push') as Record<string, unknown>;
    const head = { ...(ev.head_commit as object), id: sha };
    return { ...ev, ref: `refs/heads/${branch}`, after: sha, head_commit: head, commits: [head] };
  };
  /** The pull_request fixture, on this origin's PR (head, base and test merge). */
  const prEvent = () => {
    interface Pr {
      number: number;
      head: { ref: string; sha: string };
      base: { sha: string };
      merge_commit_sha: string;
    }
    const ev = fixturePayload('pull_request');
    const pr = structuredClone(ev.pull_request) as Pr;
    pr.number = origin.pr;
    pr.head.ref = 'feature/preview';
    pr.head.sha = origin.head;
    pr.base.sha = origin.base;
    pr.merge_commit_sha = origin.merge;
    return { ...ev, number: origin.pr, after: origin.head, pull_request: pr };
  };
  const prEnv = () => ({ GITHUB_REF: `refs/pull/${origin.pr}/merge`, GITHUB_SHA: origin.merge });

  const push = (ws: string, inputs: Record<string, string>, opts: object) =>
    runAction('push', {
      inputs: { repository: repo, path: 'deploy', ...inputs },
      workspace: ws,
      ...opts,
    });

  const mainClone = () => {
    const ws = join(mkdtempSync(join(root, 'main-')), 'repo');
    git(root, ['clone', '-q', '--depth', '1', '--branch', 'main', origin.url, ws]);
    return ws;
  };

  test('publish from main: latest and main-<short sha>, created from the commit', async () => {
    const r = await push(
      mainClone(),
      {},
      {
        event: pushEvent('main', origin.base),
        env: { GITHUB_REF: 'refs/heads/main', GITHUB_SHA: origin.base },
      },
    );
    assert.equal(r.exitCode, 0, r.stdout + r.stderr);
    assert.equal(r.outputs.tags, `latest\nmain-${origin.base.slice(0, 7)}`);
    assert.equal(r.outputs.revision, `main@sha1:${origin.base}`);
    const doc = JSON.parse((await client.getManifest('latest')).bytes.toString());
    assert.equal(doc.annotations['org.opencontainers.image.created'], '2026-01-03T12:00:00Z');
  });

  test('empty workspace (forgotten checkout): refused naming actions/checkout, nothing pushed or moved', async () => {
    const before = await client.headManifest('latest');
    const tagsBefore = (await client.listTags()).sort();
    const empty = mkdtempSync(join(root, 'empty-'));
    const r = await runAction('push', {
      inputs: { repository: repo }, // path defaults to "."
      workspace: empty,
      event: pushEvent('main', origin.base),
      env: { GITHUB_REF: 'refs/heads/main', GITHUB_SHA: origin.base },
    });
    assert.equal(r.exitCode, 1, r.stdout);
    assert.equal(r.errors.length, 1);
    assert.match(r.errors[0] ?? '', /input path "\." holds no files/);
    assert.match(r.errors[0] ?? '', /actions\/checkout@v7/);
    assert.match(r.errors[0] ?? '', /allow-empty: true/);
    assert.ok(!/\n\s+at /.test(r.stdout + r.stderr), 'no stack trace');
    assert.equal((await client.headManifest('latest'))?.digest, before?.digest);
    assert.deepEqual((await client.listTags()).sort(), tagsBefore);
  });

  test('tag refuses to move latest onto an empty artifact; allow-empty moves it on purpose', async () => {
    const empty = mkdtempSync(join(root, 'empty-'));
    const made = await push(
      empty,
      { path: '.', tags: 'scratch', 'allow-empty': 'true' },
      {
        event: pushEvent('main', origin.base),
        env: { GITHUB_REF: 'refs/heads/main', GITHUB_SHA: origin.base },
      },
    );
    assert.equal(made.exitCode, 0, made.stdout);
    assert.match(made.stdout, /::warning::.*holds no files/);
    const latest = await client.headManifest('latest');
    const r = await runAction('tag', {
      inputs: { repository: repo, ref: 'scratch', tags: 'latest, stable' },
      workspace: empty,
    });
    assert.equal(r.exitCode, 1, r.stdout);
    assert.match(r.errors.join(''), /holds no files.*latest, stable.*no tag was moved/);
    assert.equal((await client.headManifest('latest'))?.digest, latest?.digest);
    assert.equal(await client.headManifest('stable'), undefined);
    const ok = await runAction('tag', {
      inputs: { repository: repo, ref: 'scratch', tags: 'scratch-copy', 'allow-empty': 'true' },
      workspace: empty,
    });
    assert.equal(ok.exitCode, 0, ok.stdout);
    assert.equal((await client.headManifest('scratch-copy'))?.digest, made.outputs.digest);
  });

  test('pull_request on the default merge checkout: refused with the checkout lines, pr-N not created', async () => {
    const ws = checkoutLike(origin, `refs/pull/${origin.pr}/merge`, { root });
    // The layer is built while git reads the checkout: refused, it leaves nothing behind.
    const temp = mkdtempSync(join(root, 'runner-temp-'));
    const r = await push(
      ws,
      {},
      { eventName: 'pull_request', event: prEvent(), env: { ...prEnv(), RUNNER_TEMP: temp } },
    );
    assert.equal(r.exitCode, 1, r.stdout);
    assert.match(r.errors[0] ?? '', /merge commit/);
    assert.match(r.errors[0] ?? '', /ref: \$\{\{ github\.event\.pull_request\.head\.sha \}\}/);
    assert.equal(await client.headManifest(`pr-${origin.pr}`), undefined);
    assert.deepEqual(readdirSync(temp), []);
  });

  test('pr-content: merge publishes the merge result labelled as pull/N/merge', async () => {
    const ws = checkoutLike(origin, `refs/pull/${origin.pr}/merge`, { root });
    const r = await push(
      ws,
      { 'pr-content': 'merge', tags: 'pr-{{pr}}-merge' },
      { eventName: 'pull_request', event: prEvent(), env: prEnv() },
    );
    assert.equal(r.exitCode, 0, r.stdout + r.stderr);
    assert.equal(r.outputs.revision, `pull/${origin.pr}/merge@sha1:${origin.merge}`);
    const doc = JSON.parse((await client.getManifest(`pr-${origin.pr}-merge`)).bytes.toString());
    assert.equal(doc.annotations['org.opencontainers.image.created'], '2026-01-04T13:00:00Z');
  });

  test('a re-run PR job on the head checkout gives the same digest, labelled with the head', async () => {
    const digests: string[] = [];
    for (let i = 0; i < 2; i++) {
      const ws = checkoutLike(origin, origin.head, { root });
      const r = await push(ws, {}, { eventName: 'pull_request', event: prEvent(), env: prEnv() });
      assert.equal(r.exitCode, 0, r.stdout + r.stderr);
      assert.equal(r.outputs.tags, `pr-${origin.pr}`);
      assert.equal(r.outputs.revision, `feature/preview@sha1:${origin.head}`);
      assert.ok(!/::warning::/.test(r.stdout), `no warning: ${r.stdout}`);
      assert.ok(r.summary.includes(`git checkout at \`${origin.head.slice(0, 12)}\` (shallow)`));
      digests.push(r.outputs.digest ?? '');
    }
    assert.equal(digests[0], digests[1]);
    const doc = JSON.parse((await client.getManifest(`pr-${origin.pr}`)).bytes.toString());
    assert.equal(doc.annotations['org.opencontainers.image.created'], '2026-01-02T09:00:00Z');
  });

  test('a push to a feature branch never moves latest', async () => {
    const latest = await client.headManifest('latest');
    const ws = checkoutLike(origin, 'refs/heads/feature/preview', {
      root,
      branch: 'feature/preview',
    });
    const r = await push(
      ws,
      {},
      {
        event: pushEvent('feature/preview', origin.head),
        env: { GITHUB_REF: 'refs/heads/feature/preview', GITHUB_SHA: origin.head },
      },
    );
    assert.equal(r.exitCode, 0, r.stdout + r.stderr);
    assert.equal(r.outputs.tags, `feature-preview-${origin.head.slice(0, 7)}`);
    assert.notEqual(r.outputs.digest, latest?.digest);
    assert.equal((await client.headManifest('latest'))?.digest, latest?.digest);
  });
});
