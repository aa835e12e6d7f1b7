// Our workflows (test/act/workflows, the README's examples) run by a real Actions runner
// implementation, nektos/act in host mode, offline: push, tag push, workflow_dispatch and
// pull_request (opened, synchronize, closed) with payloads from test/fixtures/events, a real git
// origin checked out depth 1 by the checkout stand-in, a real registry, keyless signing against
// the loopback Sigstore stack (OIDC through ACTIONS_ID_TOKEN_REQUEST_URL, as on a runner) and the
// local GitHub REST server. What is real and what stands in: see test/harness/act.ts.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type ActResult, type ActRunner, actRunner } from '../harness/act.js';
import { fixturePayload } from '../harness/events.js';
import { git, makeOrigin, type Origin } from '../harness/git.js';
import { type GitHubApi, startGitHubApi } from '../harness/github-api.js';
import { type Keyless, startKeyless } from '../harness/keyless.js';
import { startRegistry, type TestRegistry } from '../harness/registry.js';
import { requireTools, toolPath } from '../harness/tools.js';

const REPO = 'org/app-config';

function crane(args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(
      toolPath('crane'),
      [...args, '--insecure'],
      { timeout: 60_000 },
      (err, stdout, stderr) => resolve({ code: err ? 1 : 0, out: `${stdout}${stderr}`.trim() }),
    );
  });
}

// biome-ignore lint/suspicious/noExplicitAny: fixture payloads are patched field by field
type Payload = Record<string, any>;

/** The fixture payload with the origin's commits in place of the fixture's. */
function payload(name: string, patch: (p: Payload) => void): Record<string, unknown> {
  const p = structuredClone(fixturePayload(name)) as Payload;
  patch(p);
  return p;
}

describe(
  'workflows under nektos/act (host mode, offline)',
  requireTools('act', 'node24', 'crane'),
  () => {
    let root: string;
    let origin: Origin;
    let docsHead: string;
    let featureHead: string;
    const featureTime = '2026-01-05T10:00:00+00:00';
    let registry: TestRegistry;
    let keyless: Keyless;
    let api: GitHubApi;
    let act: ActRunner;
    let repo: string;
    const timings: string[] = [];

    before(async () => {
      root = mkdtempSync(join(tmpdir(), 'act-origin-'));
      origin = makeOrigin(root, 7);
      // PR 8 changes only a file outside deploy/: its preview has the same content as latest.
      git(origin.dir, ['checkout', '-q', '-b', 'docs', origin.base]);
      git(
        origin.dir,
        ['commit', '-q', '--allow-empty', '-m', 'docs only'],
        '2026-01-05T09:00:00+00:00',
      );
      docsHead = git(origin.dir, ['rev-parse', 'HEAD']);
      git(origin.dir, ['update-ref', 'refs/pull/8/head', docsHead]);
      // A feature branch of its own (the PR head pushed as a branch would share the PR's digest).
      git(origin.dir, ['checkout', '-q', '-b', 'feature/other', origin.base]);
      writeFileSync(join(origin.dir, 'deploy', 'other.yaml'), 'kind: ServiceAccount\n');
      git(origin.dir, ['add', '-A']);
      git(origin.dir, ['commit', '-q', '-m', 'other'], featureTime);
      featureHead = git(origin.dir, ['rev-parse', 'HEAD']);
      git(origin.dir, ['checkout', '-q', 'main']);
      registry = await startRegistry();
      repo = `${registry.host}/${REPO}/manifests`;
      keyless = await startKeyless({ repository: REPO, ref: 'refs/heads/main', sha: origin.base });
      api = await startGitHubApi({
        tokens: {
          'tok-write': { 'pull-requests': 'write', packages: 'write' },
          'tok-read': { 'pull-requests': 'read', packages: 'read' },
        },
        owners: { org: 'Organization' },
        registry: registry.host,
      });
      act = actRunner({ origin: origin.url, processEnv: keyless.oidc.env });
    });
    after(async () => {
      act?.stop();
      await api?.stop();
      await keyless?.stop();
      await registry?.stop();
      rmSync(root, { recursive: true, force: true });
      if (timings.length > 0) console.log(`act runs:\n  ${timings.join('\n  ')}`);
    });

    async function run(
      label: string,
      workflow: string,
      event: string,
      body: Record<string, unknown>,
      env: Record<string, string> = {},
      vars: Record<string, string> = {},
      token = 'tok-write',
    ): Promise<ActResult> {
      const r = await act.run({
        workflow,
        event,
        payload: body,
        env: { GITHUB_REPOSITORY: REPO, GITHUB_API_URL: api.url, ...env },
        vars: {
          REGISTRY: registry.host,
          FULCIO_URL: keyless.inputs['fulcio-url'],
          REKOR_URL: keyless.inputs['rekor-url'],
          ...vars,
        },
        secrets: { GITHUB_TOKEN: token },
      });
      timings.push(`${label}: ${(r.ms / 1000).toFixed(1)} s (exit ${r.exitCode})`);
      return r;
    }

    const ok = (r: ActResult) => assert.equal(r.exitCode, 0, r.log.slice(-6000));
    const digestOf = async (tag: string) => (await crane(['digest', `${repo}:${tag}`])).out;
    const pushMain = () =>
      payload('push', (p) => {
        p.after = origin.base;
        p.before = origin.first;
        p.head_commit.id = origin.base;
        p.head_commit.timestamp = origin.baseTime;
      });
    let latest = '';

    test('push to main: latest and main-<sha>, signed; a re-run gives the same digest', async () => {
      const first = await run('push main', 'publish.yml', 'push', pushMain());
      ok(first);
      const out = first.results['push-outputs']!;
      const short = origin.base.slice(0, 7);
      assert.deepEqual(out.tags?.split('\n'), ['latest', `main-${short}`]);
      assert.equal(out.pushed, 'true');
      assert.equal(out.signed, 'true');
      assert.equal(out.revision, `main@sha1:${origin.base}`);
      latest = out.digest!;
      assert.equal(await digestOf('latest'), latest);
      assert.match(first.summary, /Flux OCI artifact published/);

      const again = await run('push main (re-run)', 'publish.yml', 'push', pushMain());
      ok(again);
      assert.equal(again.results['push-outputs']?.digest, latest);
      assert.equal(again.results['push-outputs']?.pushed, 'false');
    });

    test('push to a feature branch: latest not moved', async () => {
      const body = payload('push', (p) => {
        p.ref = 'refs/heads/feature/other';
        p.after = featureHead;
        p.before = origin.base;
        p.head_commit.id = featureHead;
        p.head_commit.timestamp = featureTime;
      });
      const r = await run('push feature branch', 'publish.yml', 'push', body);
      ok(r);
      const out = r.results['push-outputs']!;
      assert.deepEqual(out.tags?.split('\n'), [`feature-other-${featureHead.slice(0, 7)}`]);
      assert.notEqual(out.digest, latest);
      assert.equal(await digestOf('latest'), latest);
    });

    test('tag push and workflow_dispatch', async () => {
      const tag = payload('push-tag', (p) => {
        p.after = origin.base;
        p.head_commit.id = origin.base;
        p.head_commit.timestamp = origin.baseTime;
      });
      const t = await run('push tag v1.2.3', 'publish.yml', 'push', tag);
      ok(t);
      assert.equal(t.results['push-outputs']?.tags, 'v1.2.3');
      assert.equal(await digestOf('v1.2.3'), t.results['push-outputs']?.digest);

      const dispatch = payload('workflow_dispatch', (p) => {
        p.ref = 'refs/heads/main';
      });
      const d = await run('workflow_dispatch main', 'publish.yml', 'workflow_dispatch', dispatch, {
        SHA_REF: origin.base,
      });
      ok(d);
      const out = d.results['workflow_dispatch-outputs']!;
      assert.match(out.tags ?? '', new RegExp(`main-${origin.base.slice(0, 7)}`));
      assert.equal(out.digest, latest, 'same commit, same content, same digest');
    });

    test('forgotten checkout: empty workspace refused, latest not moved', async () => {
      const r = await run(
        'push, no checkout',
        'forgotten-checkout.yml',
        'push',
        pushMain(),
        {},
        {
          LATEST_BEFORE: latest,
        },
      );
      ok(r); // the workflow's own assertion: the publish step failed and latest is unchanged
      assert.match(r.log, /actions\/checkout/);
      assert.equal(await digestOf('latest'), latest);
    });

    const prPayload = (n: number, action: string, head: string) =>
      payload('pull_request', (p) => {
        p.action = action;
        p.number = n;
        p.after = head;
        p.pull_request.number = n;
        p.pull_request.head.sha = head;
        p.pull_request.head.ref = n === 7 ? 'feature/preview' : 'docs';
        p.pull_request.base.sha = origin.base;
        p.pull_request.merge_commit_sha = origin.merge;
        if (action === 'closed') {
          p.pull_request.state = 'closed';
          p.pull_request.closed_at = '2026-01-06T10:00:00Z';
        }
      });

    test('pull_request with the default (merge) checkout: refused with the checkout lines', async () => {
      const r = await run(
        'pull_request, merge checkout',
        'preview-merge-checkout.yml',
        'pull_request',
        prPayload(7, 'synchronize', origin.head),
        {
          SHA_REF: origin.merge,
        },
      );
      ok(r);
      assert.match(r.log, /ref: \$\{\{ github\.event\.pull_request\.head\.sha \}\}/);
      assert.equal((await crane(['digest', `${repo}:pr-7`])).code, 1, 'nothing tagged pr-7');
    });

    test('pull_request opened, synchronize, closed: pr-7, one comment updated, cleanup with signatures', async () => {
      const opened = await run(
        'pull_request opened',
        'preview.yml',
        'pull_request',
        prPayload(7, 'opened', origin.head),
        {
          SHA_REF: origin.merge,
        },
      );
      ok(opened);
      const out = opened.results['preview-outputs']!;
      const pr7 = out.digest!;
      assert.equal(out.revision, `feature/preview@sha1:${origin.head}`);
      let comments = api.comments(REPO, 7);
      assert.equal(comments.length, 1);
      assert.ok(comments[0]!.body.includes(pr7));
      // The head branched before base.yaml landed on main: against latest it adds and removes one.
      assert.match(comments[0]!.body, /1 added, 1 removed, 0 modified/);
      assert.match(comments[0]!.body, /`preview\.yaml`[\s\S]*`base\.yaml`/);
      assert.match(comments[0]!.body, /matchOIDCIdentity/);

      const sync = await run(
        'pull_request synchronize',
        'preview.yml',
        'pull_request',
        prPayload(7, 'synchronize', origin.head),
        {
          SHA_REF: origin.merge,
        },
      );
      ok(sync);
      assert.equal(sync.results['preview-outputs']?.digest, pr7, 'same head, same digest');
      comments = api.comments(REPO, 7);
      assert.equal(comments.length, 1, 'updated, not added');
      assert.notEqual(comments[0]!.updated_at, undefined);
      assert.ok(api.requests.some((q) => q.method === 'PATCH'));

      // cosign-v3 (the default) on distribution: the bundle is listed under the referrers tag.
      const sig = `sha256-${pr7.slice(7)}`;
      assert.ok((await crane(['ls', repo])).out.split('\n').includes(sig));
      const closed = await run(
        'pull_request closed (cleanup)',
        'preview.yml',
        'pull_request',
        prPayload(7, 'closed', origin.head),
        {
          SHA_REF: origin.merge,
        },
      );
      ok(closed);
      const c = closed.results['cleanup-outputs']!;
      assert.equal(c.action, 'delete');
      assert.ok((c.deleted ?? '').split('\n').length >= 3, `artifact and signatures: ${c.deleted}`);
      assert.equal((await crane(['manifest', `${repo}@${pr7}`])).code, 1, 'artifact gone');
      const tags = (await crane(['ls', repo])).out.split('\n');
      assert.ok(
        !tags.some((t) => t.startsWith(`sha256-${pr7.slice(7)}`)),
        `signatures left: ${tags}`,
      );
      assert.match(closed.summary, /preview cleanup/);
    });

    test("a preview sharing latest's digest: cleanup removes only the tag", async () => {
      const opened = await run(
        'pull_request opened (docs only)',
        'preview.yml',
        'pull_request',
        prPayload(8, 'opened', docsHead),
        {
          SHA_REF: docsHead,
        },
      );
      ok(opened);
      assert.equal(opened.results['preview-outputs']?.digest, latest, 'unchanged against latest');
      assert.equal(opened.results['preview-outputs']?.pushed, 'false');
      const closed = await run(
        'pull_request closed (docs only)',
        'preview.yml',
        'pull_request',
        prPayload(8, 'closed', docsHead),
        {
          SHA_REF: docsHead,
        },
      );
      ok(closed);
      assert.equal(closed.results['cleanup-outputs']?.action, 'untag');
      assert.equal(await digestOf('latest'), latest);
      const tags = (await crane(['ls', repo])).out.split('\n');
      assert.ok(!tags.includes('pr-8'));
      assert.ok(tags.includes(`sha256-${latest.slice(7)}`), 'latest keeps its signature');
    });

    test('pull_request from a fork: compared only, nothing pushed, no comment; cleanup skips it', async () => {
      const fork = (action: string) =>
        payload('pull_request-fork', (p) => {
          p.action = action;
          p.pull_request.head.sha = origin.head;
          p.pull_request.base.sha = origin.base;
        });
      api.requests.length = 0;
      // A fork's run: read-only token, no OIDC token.
      const noOidc = {
        SHA_REF: origin.merge,
        ACTIONS_ID_TOKEN_REQUEST_URL: '',
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: '',
      };
      const opened = await run(
        'pull_request opened (fork)',
        'preview.yml',
        'pull_request',
        fork('opened'),
        noOidc,
        {},
        'tok-read',
      );
      ok(opened);
      assert.equal(opened.results['fork-outputs']?.fork, 'true');
      assert.match(opened.log, /comes from the fork contributor\/app-config/);
      assert.match(opened.summary, /not published/);
      assert.equal(api.comments(REPO, 43).length, 0);
      assert.equal(api.requests.length, 0, 'no GitHub API call');
      const closed = await run(
        'pull_request closed (fork)',
        'preview.yml',
        'pull_request',
        fork('closed'),
        noOidc,
        {},
        'tok-read',
      );
      ok(closed);
      assert.equal(closed.results['cleanup-outputs']?.action, 'skipped-fork');
    });
  },
);
