// Checkout awareness against real git repositories made here: depth-1 clones, GitHub's
// refs/pull/N/merge test-merge commit, a base-branch checkout, a tag checkout, an empty
// workspace, and a workspace inside another repository.
import assert from 'node:assert/strict';
import {
  chownSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { readCheckout, reconcile } from '../../src/github/checkout.js';
import {
  defaultRevision,
  defaultTags,
  provenance,
  type WorkflowContext,
} from '../../src/github/context.js';
import { resolveCreated } from '../../src/github/created.js';
import { UserError } from '../../src/util/errors.js';
import { checkoutLike, git, makeOrigin, type Origin } from '../harness/git.js';

let root: string;
let origin: Origin;
before(() => {
  root = mkdtempSync(join(tmpdir(), 'checkout-'));
  origin = makeOrigin(root);
});
after(() => rmSync(root, { recursive: true, force: true }));

/** A pull_request payload as GitHub sends it for this origin's PR (fields used here). */
function prEvent(o: Origin) {
  return {
    action: 'synchronize',
    number: o.pr,
    pull_request: {
      number: o.pr,
      merge_commit_sha: o.merge,
      head: {
        ref: 'feature/preview',
        sha: o.head,
        repo: { full_name: 'org/app-config', default_branch: 'main' },
      },
      base: { ref: 'main', sha: o.base, repo: { full_name: 'org/app-config' } },
    },
    repository: { full_name: 'org/app-config', default_branch: 'main' },
  };
}

function ctx(
  eventName: string,
  ref: string,
  sha: string,
  event: object,
  ws: string,
): WorkflowContext {
  return {
    eventName,
    event: event as Record<string, unknown>,
    ref,
    sha,
    serverUrl: 'https://github.com',
    repository: 'org/app-config',
    workspace: ws,
  };
}

async function packagedFor(c: WorkflowContext, prContent: 'head' | 'merge' = 'head') {
  return reconcile(c, provenance(c), await readCheckout(c.workspace, c.workspace), prContent);
}

const refusal =
  (input: string, ...patterns: RegExp[]) =>
  (e: unknown) =>
    e instanceof UserError &&
    e.input === input &&
    !e.message.includes('\n') &&
    patterns.every((p) => p.test(e.message));

describe('checkout awareness (real git)', () => {
  test('depth-1 merge checkout of refs/pull/N/merge: shallow, two parents, head as 2nd parent', async () => {
    const ws = checkoutLike(origin, `refs/pull/${origin.pr}/merge`, { root });
    const co = await readCheckout(ws, ws);
    assert.ok(co);
    assert.equal(co.head, origin.merge);
    assert.deepEqual(co.parents, [origin.base, origin.head]);
    assert.equal(co.shallow, true);
    assert.equal(new Date(co.commitTime).toISOString(), new Date(origin.mergeTime).toISOString());
  });

  test('pull_request on the default merge checkout is refused with the checkout lines', async () => {
    const ws = checkoutLike(origin, `refs/pull/${origin.pr}/merge`, { root });
    const c = ctx(
      'pull_request',
      `refs/pull/${origin.pr}/merge`,
      origin.merge,
      prEvent(origin),
      ws,
    );
    await assert.rejects(
      packagedFor(c),
      refusal(
        'pr-content',
        /merge commit/,
        /ref: \$\{\{ github\.event\.pull_request\.head\.sha \}\}/,
        /actions\/checkout@v7/,
        /nothing was pushed/,
      ),
    );
  });

  test('the merge is recognised by its parents even when GITHUB_SHA and merge_commit_sha are stale', async () => {
    const ws = checkoutLike(origin, `refs/pull/${origin.pr}/merge`, { root });
    const ev = prEvent(origin);
    ev.pull_request.merge_commit_sha = 'f'.repeat(40);
    const c = ctx('pull_request_review', 'refs/heads/feature/preview', 'e'.repeat(40), ev, ws);
    await assert.rejects(packagedFor(c), refusal('pr-content', /merge commit/));
  });

  test('pr-content: merge packages the merge commit labelled truthfully, created from its commit time', async () => {
    const ws = checkoutLike(origin, `refs/pull/${origin.pr}/merge`, { root });
    const c = ctx(
      'pull_request',
      `refs/pull/${origin.pr}/merge`,
      origin.merge,
      prEvent(origin),
      ws,
    );
    const p = await packagedFor(c, 'merge');
    assert.equal(defaultRevision(p.provenance), `pull/${origin.pr}/merge@sha1:${origin.merge}`);
    assert.deepEqual(defaultTags('pull_request', p.provenance), [`pr-${origin.pr}`]);
    assert.equal(await resolveCreated(undefined, p.provenance), '2026-01-04T13:00:00Z');
  });

  test('depth-1 head checkout: revision and created describe the head commit, same on a re-run', async () => {
    const runs = [];
    for (let i = 0; i < 2; i++) {
      const ws = checkoutLike(origin, origin.head, { root });
      const c = ctx(
        'pull_request',
        `refs/pull/${origin.pr}/merge`,
        origin.merge,
        prEvent(origin),
        ws,
      );
      const p = await packagedFor(c);
      assert.deepEqual(p.notes, []);
      runs.push({
        revision: defaultRevision(p.provenance),
        created: await resolveCreated(undefined, p.provenance),
      });
    }
    assert.deepEqual(runs[0], {
      revision: `feature/preview@sha1:${origin.head}`,
      created: '2026-01-02T09:00:00Z',
    });
    assert.deepEqual(runs[1], runs[0]);
  });

  test('pull_request_target on its default base checkout is refused naming the base branch', async () => {
    const ws = checkoutLike(origin, 'refs/heads/main', { root, branch: 'main' });
    const c = ctx('pull_request_target', 'refs/heads/main', origin.base, prEvent(origin), ws);
    await assert.rejects(
      packagedFor(c),
      refusal('path', /base branch main/, /pull_request_target/, /head\.sha/),
    );
  });

  test('a PR job with some unrelated commit checked out is refused', async () => {
    const ws = checkoutLike(origin, origin.first, { root });
    const c = ctx(
      'pull_request',
      `refs/pull/${origin.pr}/merge`,
      origin.merge,
      prEvent(origin),
      ws,
    );
    await assert.rejects(packagedFor(c), refusal('path', /neither/));
  });

  test('PR head branch checked out by name after new pushes: its tip, labelled as such; not for forks', async () => {
    const ws = checkoutLike(origin, 'refs/heads/feature/preview', {
      root,
      branch: 'feature/preview',
    });
    const ev = prEvent(origin);
    ev.pull_request.head.sha = origin.first; // the event saw an older head
    const c = ctx('pull_request', `refs/pull/${origin.pr}/merge`, origin.merge, ev, ws);
    const p = await packagedFor(c);
    assert.equal(defaultRevision(p.provenance), `feature/preview@sha1:${origin.head}`);
    assert.match(p.notes[0] ?? '', /newer than the event's head/);
    ev.pull_request.head.repo.full_name = 'contributor/app-config';
    await assert.rejects(packagedFor(c), refusal('path', /neither/, /comes from a fork/));
  });

  test('push: git clone --depth 1 of main; HEAD is GITHUB_SHA; latest on the default branch', async () => {
    const ws = join(root, 'clone-main');
    git(root, ['clone', '-q', '--depth', '1', '--branch', 'main', origin.url, ws]);
    const event = {
      ref: 'refs/heads/main',
      after: origin.base,
      repository: { default_branch: 'main' },
    };
    const c = ctx('push', 'refs/heads/main', origin.base, event, ws);
    const p = await packagedFor(c);
    assert.equal((await readCheckout(ws, ws))?.shallow, true);
    assert.deepEqual(p.notes, []);
    assert.equal(p.provenance.commitTime, (await readCheckout(ws, ws))?.commitTime);
    assert.deepEqual(defaultTags('push', p.provenance), [
      'latest',
      `main-${origin.base.slice(0, 7)}`,
    ]);
  });

  test('workflow_dispatch with ref: a tag checked out: labelled as the tag, with a notice', async () => {
    git(origin.dir, ['tag', '-f', 'v1.0.0', origin.first]);
    const ws = checkoutLike(origin, 'refs/tags/v1.0.0', { root });
    git(ws, ['tag', 'v1.0.0', 'HEAD']); // actions/checkout fetches a tag ref into refs/tags
    const c = ctx(
      'workflow_dispatch',
      'refs/heads/main',
      origin.base,
      { ref: 'refs/heads/main', repository: { default_branch: 'main' } },
      ws,
    );
    const p = await packagedFor(c);
    assert.equal(defaultRevision(p.provenance), `v1.0.0@sha1:${origin.first}`);
    assert.deepEqual(defaultTags('workflow_dispatch', p.provenance), ['v1.0.0']);
    assert.match(p.notes[0] ?? '', /not the event's/);
  });

  test('workflow_run of a pull request run on the default branch checkout is refused', async () => {
    const ws = checkoutLike(origin, 'refs/heads/main', { root, branch: 'main' });
    const event = {
      workflow_run: {
        event: 'pull_request',
        head_branch: 'feature/preview',
        head_sha: origin.head,
        pull_requests: [{ number: origin.pr }],
        head_repository: { full_name: 'org/app-config' },
      },
      repository: { full_name: 'org/app-config', default_branch: 'main' },
    };
    const c = ctx('workflow_run', 'refs/heads/main', origin.base, event, ws);
    await assert.rejects(packagedFor(c), refusal('path', /workflow_run\.head_sha/));
    const head = checkoutLike(origin, origin.head, { root });
    const p = await packagedFor({ ...c, workspace: head });
    assert.equal(defaultRevision(p.provenance), `feature/preview@sha1:${origin.head}`);
    assert.deepEqual(defaultTags('workflow_run', p.provenance), [`pr-${origin.pr}`]);
  });

  test('one git process reads what log, rev-parse and cat-file said: time with its offset, branch, tags, a message line that looks like a header', async () => {
    // The checkout is read with `git log --pretty=raw --decorate=full` alone; git's own
    // formats are the judge of what it must report.
    const ws = mkdtempSync(join(root, 'raw-'));
    git(ws, ['init', '-q', '-b', 'release/v2']);
    for (const [i, date] of ['1796162578 -0730', '1796170000 +0545'].entries()) {
      writeFileSync(join(ws, 'f'), String(i));
      git(ws, ['add', 'f']);
      git(ws, ['commit', '-q', '-m', `c${i}\n\nparent ${'0'.repeat(40)}`], date);
    }
    git(ws, ['tag', 'v2.0.0']);
    git(ws, ['tag', '-a', '-m', 'annotated', 'v2.0.0-a']);
    const co = await readCheckout(ws, ws);
    assert.ok(co);
    assert.equal(co.head, git(ws, ['rev-parse', 'HEAD']));
    assert.equal(co.commitTime, git(ws, ['log', '-1', '--format=%cI']));
    assert.equal(co.commitTime, '2026-12-02T05:51:40+05:45');
    assert.deepEqual(co.parents, [git(ws, ['rev-parse', 'HEAD^'])], 'not the message line');
    assert.equal(co.branch, 'release/v2');
    assert.deepEqual([...co.tags].sort(), ['v2.0.0', 'v2.0.0-a']);
    assert.equal(co.shallow, false);
    git(ws, ['checkout', '-q', '--detach', 'HEAD^']);
    const detached = await readCheckout(ws, ws);
    assert.equal(detached?.branch, undefined);
    assert.equal(detached?.commitTime, git(ws, ['log', '-1', '--format=%cI']));
    assert.match(detached?.commitTime ?? '', /-07:30$/);
    assert.deepEqual(detached?.parents, []);
    assert.deepEqual(detached?.tags, []);
  });

  test('an empty workspace, and one inside another repository, have no checkout', async () => {
    const empty = mkdtempSync(join(root, 'empty-'));
    assert.equal(await readCheckout(empty, empty), undefined);
    const inner = join(origin.dir, 'runner-work', 'ws');
    mkdirSync(inner, { recursive: true });
    assert.equal(await readCheckout(inner, inner), undefined, 'never the repository above');
    const c = ctx('push', 'refs/heads/main', origin.base, {}, empty);
    const p = await packagedFor(c);
    assert.match(p.notes[0] ?? '', /no git checkout/);
    assert.equal(p.provenance.sha, origin.base);
  });

  test(
    'a checkout owned by another user (containers, act) is still read, not "dubious ownership"',
    { skip: process.getuid?.() !== 0 && 'needs root to chown the checkout' },
    async () => {
      const ws = checkoutLike(origin, origin.head, { root });
      const chownTree = (dir: string) => {
        chownSync(dir, 65534, 65534);
        for (const e of readdirSync(dir)) {
          const p = join(dir, e);
          if (statSync(p).isDirectory()) chownTree(p);
          else chownSync(p, 65534, 65534);
        }
      };
      chownTree(ws);
      assert.equal((await readCheckout(ws, ws))?.head, origin.head);
    },
  );
});
