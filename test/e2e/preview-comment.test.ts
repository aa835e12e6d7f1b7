// publish@v1 on pull_request events with `comment: true`, bundled and run under Node 24 against a
// real registry and the local GitHub REST server: one sticky comment per repository/path (created,
// then updated), a warning (not a failure) without pull-requests: write, and the fork path
// (nothing pushed or signed, no comment, the diff in the summary).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { encryptCosignKey } from '../../src/signing/key.js';
import { runAction } from '../harness/action.js';
import { checkoutLike, makeOrigin } from '../harness/git.js';
import { type GitHubApi, startGitHubApi } from '../harness/github-api.js';
import { startRegistry, type TestRegistry } from '../harness/registry.js';
import { requireTools, toolPath } from '../harness/tools.js';

const BASE = '9f2c4b1e8d7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e';
const HEAD = '1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e';
const PASSWORD = 'comment-test-pass';
const REPO = 'org/app-config';

function prEvent(n: number, headRepo = REPO) {
  return {
    action: 'synchronize',
    number: n,
    pull_request: {
      number: n,
      state: 'open',
      head: { ref: 'feature', sha: HEAD, repo: { full_name: headRepo, fork: headRepo !== REPO } },
      base: { ref: 'main', sha: BASE, repo: { full_name: REPO, fork: false } },
    },
    repository: {
      full_name: REPO,
      default_branch: 'main',
      owner: { login: 'org', type: 'Organization' },
    },
  };
}

function crane(args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(toolPath('crane'), args, { timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? 1 : 0, out: `${stdout}${stderr}`.trim() }),
    );
  });
}

describe(
  'publish comments on pull requests (dist under Node 24)',
  requireTools('node24', 'crane'),
  () => {
    let registry: TestRegistry;
    let api: GitHubApi;
    let ws: string;
    let key: string;

    before(async () => {
      ws = mkdtempSync(join(tmpdir(), 'ws-comment-'));
      mkdirSync(join(ws, 'deploy'));
      mkdirSync(join(ws, 'infra'));
      writeFileSync(join(ws, 'infra', 'ns.yaml'), 'kind: Namespace\n');
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      key = await encryptCosignKey(privateKey, PASSWORD);
      registry = await startRegistry();
      api = await startGitHubApi({
        tokens: {
          'tok-write': { packages: 'write', 'pull-requests': 'write' },
          'tok-read': { packages: 'read', 'pull-requests': 'read' },
        },
        owners: { org: 'Organization' },
        maxPerPage: 2,
      });
    });
    after(async () => {
      await registry?.stop();
      await api?.stop();
      rmSync(ws, { recursive: true, force: true });
    });

    function publish(
      inputs: Record<string, string>,
      opts: { event?: object; eventName?: string } = {},
    ) {
      return runAction('publish', {
        workspace: ws,
        eventName: opts.eventName ?? 'pull_request',
        event: opts.event ?? prEvent(7),
        env: { GITHUB_API_URL: api.url, GITHUB_REF: 'refs/pull/7/merge', GITHUB_SHA: BASE },
        inputs: {
          path: 'deploy',
          created: 'epoch',
          'cosign-key': key,
          'cosign-key-password': PASSWORD,
          'signature-format': 'cosign-v2',
          'github-token': 'tok-write',
          comment: 'true',
          ...inputs,
        },
      });
    }

    test('one sticky comment per repository/path: created, then updated in place', async () => {
      const repo = `${registry.host}/org/app-config`;
      writeFileSync(join(ws, 'deploy', 'app.yaml'), 'kind: ConfigMap # main\n');
      const main = await publish(
        { repository: repo, tags: 'latest', comment: 'false' },
        {
          eventName: 'push',
          event: { ref: 'refs/heads/main', repository: { default_branch: 'main' } },
        },
      );
      assert.equal(main.exitCode, 0, main.stdout);

      // Earlier comments by reviewers must not be touched.
      api.addComment(REPO, 7, 'looks good so far');
      api.addComment(REPO, 7, 'second thought');
      api.addComment(REPO, 7, 'third');
      writeFileSync(join(ws, 'deploy', 'app.yaml'), 'kind: ConfigMap # pr\n');
      writeFileSync(join(ws, 'deploy', 'extra.yaml'), 'kind: Secret\n');
      const first = await publish({ repository: repo, 'diff-tag': 'latest' });
      assert.equal(first.exitCode, 0, first.stdout);
      let ours = api.comments(REPO, 7).filter((c) => c.body.includes('flux-oci-action:preview'));
      assert.equal(ours.length, 1);
      const c = ours[0]!;
      assert.equal(c.user.type, 'Bot');
      assert.ok(c.body.includes(`<!-- flux-oci-action:preview ${repo} deploy -->`));
      assert.ok(c.body.includes(first.outputs.digest ?? 'x'), 'digest in the comment');
      assert.match(c.body, /`pr-7`/);
      assert.match(c.body, /1 added, 0 removed, 1 modified/);
      assert.match(c.body, /`extra\.yaml`/);
      assert.match(c.body, /kind: OCIRepository[\s\S]*verify:/);
      assert.match(first.summary, /### Changes[\s\S]*extra\.yaml/);
      // The listing paged through the Link header (2 per page, 3 comments before ours).
      assert.ok(
        api.requests.some(
          (r) =>
            r.method === 'GET' && r.path.endsWith('/issues/7/comments') && r.query.page === '2',
        ),
      );

      // Re-run after another change: the same comment is updated, none added.
      writeFileSync(join(ws, 'deploy', 'extra.yaml'), 'kind: Secret # v2\n');
      api.requests.length = 0;
      const second = await publish({ repository: repo, 'diff-tag': 'latest' });
      assert.equal(second.exitCode, 0, second.stdout);
      ours = api.comments(REPO, 7).filter((x) => x.body.includes('flux-oci-action:preview'));
      assert.equal(ours.length, 1, 'still one comment');
      assert.equal(ours[0]!.id, c.id);
      assert.ok(ours[0]!.body.includes(second.outputs.digest ?? 'x'));
      assert.ok(
        api.requests.some(
          (r) => r.method === 'PATCH' && r.path === `/repos/${REPO}/issues/comments/${c.id}`,
        ),
      );
      assert.ok(!api.requests.some((r) => r.method === 'POST'));

      // Another path in the same PR gets its own comment and leaves the first alone.
      const infra = await publish({ repository: `${registry.host}/org/infra`, path: 'infra' });
      assert.equal(infra.exitCode, 0, infra.stdout);
      ours = api.comments(REPO, 7).filter((x) => x.body.includes('flux-oci-action:preview'));
      assert.equal(ours.length, 2);
      assert.match(ours[1]!.body, /does not exist yet: every file is new/);
      assert.equal(api.comments(REPO, 7).length, 5);
    });

    test('token without pull-requests: write: one warning, the publish succeeds', async () => {
      const repo = `${registry.host}/org/ro`;
      writeFileSync(join(ws, 'deploy', 'app.yaml'), 'kind: ConfigMap # ro\n');
      const r = await publish(
        { repository: repo, 'github-token': 'tok-read' },
        { event: prEvent(9) },
      );
      assert.equal(r.exitCode, 0, r.stdout);
      const warnings = r.stdout.split('\n').filter((l) => l.startsWith('::warning'));
      assert.equal(warnings.length, 1, r.stdout);
      assert.match(
        warnings[0]!,
        /403 Resource not accessible by integration.*pull-requests: write.*was published/,
      );
      assert.equal(api.comments(REPO, 9).length, 0);
      assert.equal((await crane(['digest', `${repo}:pr-9`, '--insecure'])).out, r.outputs.digest);
    });

    test('fork PR: compared and reported, nothing pushed or signed, no comment', async () => {
      const repo = `${registry.host}/org/app-config`;
      const tagsBefore = (await crane(['ls', repo, '--insecure'])).out;
      writeFileSync(join(ws, 'deploy', 'app.yaml'), 'kind: ConfigMap # fork\n');
      api.requests.length = 0;
      // No cosign key and no OIDC token either, as a fork's run has: no signing error either.
      const r = await publish(
        { repository: repo, 'cosign-key': '', 'cosign-key-password': '' },
        { event: prEvent(11, 'someone/app-config') },
      );
      assert.equal(r.exitCode, 0, r.stdout);
      assert.equal(r.outputs.fork, 'true');
      assert.equal(r.outputs.pushed, 'false');
      assert.equal(r.outputs.digest, '');
      assert.match(
        r.stdout,
        /::notice::pull request #11 comes from the fork someone\/app-config: .*nothing pushed, signed or tagged/,
      );
      assert.match(r.summary, /not published[\s\S]*Compared with[\s\S]*modified/);
      assert.equal((await crane(['ls', repo, '--insecure'])).out, tagsBefore, 'registry unchanged');
      assert.equal(api.requests.length, 0, 'no GitHub API call');
    });

    test('pull_request_target from a fork with the base checked out: one notice, nothing pushed', async () => {
      const root = mkdtempSync(join(tmpdir(), 'prt-'));
      try {
        const origin = makeOrigin(root, 12);
        const base = checkoutLike(origin, 'refs/heads/main', { branch: 'main', root });
        const event = prEvent(12, 'someone/app-config');
        event.pull_request.head.sha = origin.head;
        event.pull_request.base.sha = origin.base;
        const repo = `${registry.host}/org/target`;
        const r = await runAction('publish', {
          workspace: base,
          eventName: 'pull_request_target',
          event,
          env: { GITHUB_API_URL: api.url, GITHUB_REF: 'refs/heads/main', GITHUB_SHA: origin.base },
          inputs: {
            repository: repo,
            path: 'deploy',
            'github-token': 'tok-write',
            comment: 'true',
          },
        });
        assert.equal(r.exitCode, 0, r.stdout);
        assert.match(
          r.stdout,
          /::notice::pull request #12 comes from the fork someone\/app-config and this is pull_request_target/,
        );
        assert.equal(r.outputs.fork, 'true');
        assert.equal((await crane(['ls', repo, '--insecure'])).out.includes('pr-12'), false);
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    });
  },
);
