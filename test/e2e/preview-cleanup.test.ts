// cleanup@v1 bundled and run under Node 24: previews published and signed (cosign key, both
// formats) by publish@v1 into a real distribution registry, then removed through the registry API
// and through GitHub's Packages API (the local server of test/harness/github-api.ts, backed by the
// same registry); crane checks what is left.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { encryptCosignKey } from '../../src/signing/key.js';
import { type RunResult, runAction } from '../harness/action.js';
import { type GitHubApi, startGitHubApi } from '../harness/github-api.js';
import { startRegistry, type TestRegistry } from '../harness/registry.js';
import { requireTools, toolPath } from '../harness/tools.js';

const SHA = '9f2c4b1e8d7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e';
const HEAD = '1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e';
const PASSWORD = 'cleanup-test-pass';

function crane(args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(toolPath('crane'), args, { timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? 1 : 0, out: `${stdout}${stderr}`.trim() }),
    );
  });
}

async function tagsOf(repo: string): Promise<string[]> {
  const r = await crane(['ls', repo, '--insecure']);
  return r.code === 0 ? r.out.split('\n').filter(Boolean).sort() : [];
}

async function exists(ref: string): Promise<boolean> {
  return (await crane(['digest', ref, '--insecure'])).code === 0;
}

function prEvent(n: number, action: string, headRepo = 'org/app-config') {
  return {
    action,
    number: n,
    pull_request: {
      number: n,
      state: action === 'closed' ? 'closed' : 'open',
      merged: false,
      head: {
        ref: `feature-${n}`,
        sha: HEAD,
        repo: { full_name: headRepo, fork: headRepo !== 'org/app-config' },
      },
      base: { ref: 'main', sha: SHA, repo: { full_name: 'org/app-config', fork: false } },
    },
    repository: { full_name: 'org/app-config', owner: { login: 'org', type: 'Organization' } },
  };
}

describe(
  'cleanup removes PR previews (dist under Node 24)',
  requireTools('node24', 'crane'),
  () => {
    let registry: TestRegistry;
    let noDelete: TestRegistry;
    let api: GitHubApi;
    let ws: string;
    let key: string;

    before(async () => {
      ws = mkdtempSync(join(tmpdir(), 'ws-cleanup-'));
      mkdirSync(join(ws, 'deploy'));
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      key = await encryptCosignKey(privateKey, PASSWORD);
      registry = await startRegistry();
      noDelete = await startRegistry({ deleteEnabled: false });
      api = await startGitHubApi({
        tokens: {
          'tok-write': { packages: 'write', 'pull-requests': 'write' },
          'tok-read': { packages: 'read', 'pull-requests': 'read' },
        },
        owners: { org: 'Organization', someuser: 'User' },
        registry: registry.host,
        maxPerPage: 2, // GitHub's limit is 100; 2 makes every listing page
      });
    });
    after(async () => {
      await registry?.stop();
      await noDelete?.stop();
      await api?.stop();
      rmSync(ws, { recursive: true, force: true });
    });

    /** publish@v1, signed with the cosign key in both formats, `content` as deploy/app.yaml. */
    async function publish(
      repo: string,
      tags: string,
      content: string,
      extra: Record<string, string> = {},
    ) {
      writeFileSync(join(ws, 'deploy', 'app.yaml'), content);
      const r = await runAction('publish', {
        workspace: ws,
        inputs: {
          repository: repo,
          path: 'deploy',
          tags,
          created: 'epoch',
          'cosign-key': key,
          'cosign-key-password': PASSWORD,
          'signature-format': 'both',
          ...extra,
        },
      });
      assert.equal(r.exitCode, 0, r.stdout);
      return r.outputs.digest as string;
    }

    function cleanup(repo: string, inputs: Record<string, string>, event = prEvent(7, 'closed')) {
      return runAction('cleanup', {
        workspace: ws,
        eventName: 'pull_request',
        event,
        env: { GITHUB_API_URL: api.url, GITHUB_REF: 'refs/pull/7/merge' },
        inputs: { repository: repo, 'github-token': 'tok-write', ...inputs },
      });
    }

    function assertOk(r: RunResult) {
      assert.equal(r.exitCode, 0, `${r.stdout}\n${r.stderr}`);
    }

    /** Publishes latest (main) and two previews: pr-7 own content, pr-8 the same as latest. */
    async function seed(repo: string) {
      const latest = await publish(repo, 'latest', 'kind: ConfigMap # main\n');
      const pr7 = await publish(repo, 'pr-7', 'kind: ConfigMap # pr 7\n');
      const pr8 = await publish(repo, 'pr-8', 'kind: ConfigMap # main\n', { 'diff-tag': 'latest' });
      assert.equal(pr8, latest, 'an unchanged preview points at the deployed digest');
      assert.notEqual(pr7, latest);
      const hex = (d: string) => d.replace('sha256:', 'sha256-');
      for (const d of [latest, pr7]) {
        const tags = await tagsOf(repo);
        assert.ok(tags.includes(`${hex(d)}.sig`), `no .sig for ${d}: ${tags}`);
        assert.ok(tags.includes(hex(d)), `no referrers tag for ${d}: ${tags}`);
      }
      return { latest, pr7, hex };
    }

    test('registry API: shared digest keeps artifact and signatures; pr-only digest goes with them', async () => {
      const repo = `${registry.host}/org/app-config`;
      const { latest, pr7, hex } = await seed(repo);

      // pr-8 shares its digest with latest: only the tag goes.
      const shared = await cleanup(repo, { 'delete-api': 'registry' }, prEvent(8, 'closed'));
      assertOk(shared);
      assert.equal(shared.outputs.action, 'untag');
      assert.equal(shared.outputs['shared-with'], 'latest');
      assert.equal(shared.outputs.deleted, '');
      let tags = await tagsOf(repo);
      assert.ok(!tags.includes('pr-8'), `pr-8 still there: ${tags}`);
      assert.ok(
        tags.includes('latest') &&
          tags.includes(`${hex(latest)}.sig`) &&
          tags.includes(hex(latest)),
      );
      assert.equal((await crane(['digest', `${repo}:latest`, '--insecure'])).out, latest);
      assert.match(shared.summary, /Only the tag deleted/);

      // Dry run of pr-7: lists the artifact, .sig, bundle referrer and referrers tag; changes nothing.
      const before = await tagsOf(repo);
      const dry = await cleanup(repo, { 'delete-api': 'registry', 'dry-run': 'true' });
      assertOk(dry);
      assert.equal(dry.outputs.action, 'delete');
      assert.equal(dry.outputs.deleted, '');
      const would = (dry.outputs['would-delete'] ?? '').split('\n');
      assert.equal(would[0], pr7);
      assert.equal(would.length, 4, `artifact, .sig, bundle referrer, referrers tag: ${would}`);
      assert.deepEqual(await tagsOf(repo), before);
      assert.match(dry.summary, /would be deleted \(dry run\)/);
      for (const d of would) assert.ok(await exists(`${repo}@${d}`), `dry run deleted ${d}`);

      // The real run deletes exactly those, artifact first.
      const real = await cleanup(repo, { 'delete-api': 'registry' });
      assertOk(real);
      assert.deepEqual(real.outputs.deleted?.split('\n'), would);
      for (const d of would) assert.ok(!(await exists(`${repo}@${d}`)), `${d} still there`);
      tags = await tagsOf(repo);
      assert.ok(!tags.some((t) => t === 'pr-7' || t.startsWith(hex(pr7))), `left: ${tags}`);
      assert.ok(await exists(`${repo}:latest`));
      assert.match(real.summary, /cosign-v2 \.sig/);

      // Again: nothing there, nothing to do.
      const again = await cleanup(repo, { 'delete-api': 'registry' });
      assertOk(again);
      assert.equal(again.outputs.action, 'absent');
    });

    test('GitHub Packages API (org owner): versions listed page by page, deleted by id', async () => {
      const repo = `${registry.host}/org/packaged`;
      const { latest, pr7, hex } = await seed(repo);
      api.requests.length = 0;
      const r = await cleanup(repo, { 'delete-api': 'github-packages' });
      assertOk(r);
      assert.equal(r.outputs.action, 'delete');
      const lists = api.requests.filter((q) => q.method === 'GET' && q.path.endsWith('/versions'));
      assert.ok(lists.length >= 2, 'followed the Link header to further pages');
      assert.ok(lists.every((q) => q.path === '/orgs/org/packages/container/packaged/versions'));
      assert.ok(lists.some((q) => q.query.page === '2'));
      const deletes = api.requests.filter((q) => q.method === 'DELETE');
      assert.equal(deletes.length, 4);
      assert.ok(deletes.every((q) => q.status === 204 && q.token === 'tok-write'));
      assert.ok(
        deletes.every((q) =>
          /^\/orgs\/org\/packages\/container\/packaged\/versions\/\d+$/.test(q.path),
        ),
      );
      assert.ok(!(await exists(`${repo}@${pr7}`)));
      const tags = await tagsOf(repo);
      assert.ok(!tags.some((t) => t.startsWith(hex(pr7))), `signatures left: ${tags}`);
      assert.ok(tags.includes('pr-8') && tags.includes('latest'));

      // pr-8 shares latest's digest: the tag moves to a placeholder version that is deleted.
      api.requests.length = 0;
      const s = await cleanup(repo, { 'delete-api': 'github-packages' }, prEvent(8, 'closed'));
      assertOk(s);
      assert.equal(s.outputs.action, 'untag');
      assert.equal(api.requests.filter((q) => q.method === 'DELETE').length, 1);
      assert.deepEqual(
        (await tagsOf(repo)).filter((t) => !t.startsWith('sha256-')),
        ['latest'],
      );
      assert.equal((await crane(['digest', `${repo}:latest`, '--insecure'])).out, latest);
    });

    test('GitHub Packages API (user owner, nested name): /users/{user}/… with the name URL-encoded', async () => {
      const repo = `${registry.host}/someuser/team/app`;
      const pr7 = await publish(repo, 'pr-7', 'kind: ConfigMap # user\n');
      api.requests.length = 0;
      const event = {
        ...prEvent(7, 'closed'),
        repository: { full_name: 'org/app-config', owner: { login: 'org', type: 'Organization' } },
      };
      const r = await cleanup(repo, { 'delete-api': 'github-packages' }, event);
      assertOk(r);
      assert.ok(
        api.requests.some((q) => q.path === '/users/someuser' && q.method === 'GET'),
        'owner type looked up',
      );
      const del = api.requests.filter((q) => q.method === 'DELETE');
      assert.ok(del.length >= 1);
      assert.ok(
        del.every((q) =>
          q.path.startsWith('/users/someuser/packages/container/team%2Fapp/versions/'),
        ),
      );
      assert.ok(!(await exists(`${repo}@${pr7}`)));
    });

    test('read-only token: one line naming packages: write, nothing deleted', async () => {
      const repo = `${registry.host}/org/readonly`;
      const pr7 = await publish(repo, 'pr-7', 'kind: ConfigMap # ro\n');
      const r = await cleanup(repo, {
        'delete-api': 'github-packages',
        'github-token': 'tok-read',
      });
      assert.equal(r.exitCode, 1);
      assert.equal(r.errors.length, 1, r.stdout);
      assert.match(
        r.errors[0] ?? '',
        /403 Resource not accessible by integration.*packages: write/,
      );
      assert.doesNotMatch(r.stdout, /unexpected error|at .*\.js:\d+/);
      assert.ok(await exists(`${repo}@${pr7}`));
      assert.ok((await tagsOf(repo)).includes('pr-7'));
    });

    test('registry that refuses deletes (405 UNSUPPORTED): clear message, pr tag kept', async () => {
      const repo = `${noDelete.host}/org/app-config`;
      const pr7 = await publish(repo, 'pr-7', 'kind: ConfigMap # 405\n');
      const r = await cleanup(repo, { 'delete-api': 'registry' });
      assert.equal(r.exitCode, 1);
      assert.match(
        r.errors[0] ?? '',
        /does not allow deleting manifests \(405 UNSUPPORTED\).*storage\.delete\.enabled/,
      );
      assert.equal((await crane(['digest', `${repo}:pr-7`, '--insecure'])).out, pr7);
    });

    test('fork PR: nothing was published for it, nothing deleted', async () => {
      const repo = `${registry.host}/org/forked`;
      const pr7 = await publish(repo, 'pr-7', 'kind: ConfigMap # fork\n');
      api.requests.length = 0;
      const r = await cleanup(
        repo,
        { 'delete-api': 'registry' },
        prEvent(7, 'closed', 'someone/app-config'),
      );
      assertOk(r);
      assert.equal(r.outputs.action, 'skipped-fork');
      assert.match(r.stdout, /comes from the fork someone\/app-config/);
      assert.ok(await exists(`${repo}@${pr7}`));
    });
  },
);
