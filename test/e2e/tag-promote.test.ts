// tag@v1 as the promotion step (dist under Node 24): verify with Flux's rules before any tag moves,
// re-sign from a release workflow identity, copy with signatures to another registry (with and
// without the referrers API). Real cosign v2/v3 and our verify entry point judge the results.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { RegistryClient } from '../../src/oci/client.js';
import { parseRepository } from '../../src/oci/reference.js';
import { runAction } from '../harness/action.js';
import { type FakeGitHubOIDC, startGitHubOIDC } from '../harness/github-oidc.js';
import { startRegistry, type TestRegistry } from '../harness/registry.js';
import { type SigstoreStack, startSigstoreStack } from '../harness/sigstore-stack.js';
import { requireTools, toolPath } from '../harness/tools.js';

const SHA = '9f2c4b1e8d7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e';
const PUBLISH_ID =
  'https://github.com/org/app-config/.github/workflows/publish.yaml@refs/heads/main';
const RELEASE_ID =
  'https://github.com/org/app-config/.github/workflows/release.yaml@refs/tags/v1.0.0';
const ISSUER_RE = '^https://token\\.actions\\.githubusercontent\\.com$';
const re2 = (s: string) => `^${s.replace(/[.]/g, '\\.')}$`;
const identity = (subject: string) => `- issuer: ${ISSUER_RE}\n  subject: ${re2(subject)}`;

function exec(bin: string, args: string[], env: Record<string, string>) {
  return new Promise<{ code: number; out: string }>((resolve) => {
    execFile(
      bin,
      args,
      { timeout: 90_000, env: { PATH: process.env.PATH ?? '', ...env } },
      (err, stdout, stderr) =>
        resolve({
          code: err ? (typeof err.code === 'number' ? err.code : 1) : 0,
          out: `${stdout}\n${stderr}`,
        }),
    );
  });
}

describe(
  'tag: promote (verify, re-sign, copy-to)',
  requireTools('node24', 'cosign2', 'cosign3'),
  () => {
    let publishOidc: FakeGitHubOIDC;
    let releaseOidc: FakeGitHubOIDC;
    let stack: SigstoreStack;
    let plain: TestRegistry; // distribution: referrers-tag fallback
    let withApi: TestRegistry; // go-containerregistry: referrers API
    let other: TestRegistry; // a third registry process, fallback
    let ws: string;
    let home: string;

    before(async () => {
      ws = mkdtempSync(join(tmpdir(), 'ws-'));
      home = mkdtempSync(join(tmpdir(), 'cosign-home-'));
      mkdirSync(join(ws, 'deploy'));
      writeFileSync(join(ws, 'deploy', 'app.yaml'), 'kind: ConfigMap\n');
      publishOidc = await startGitHubOIDC({ repository: 'org/app-config', sha: SHA });
      releaseOidc = await startGitHubOIDC({
        repository: 'org/app-config',
        sha: SHA,
        ref: 'refs/tags/v1.0.0',
        workflowPath: '.github/workflows/release.yaml',
      });
      // Two fake issuers share GitHub's issuer URL, so Fulcio takes their tokens unchecked.
      stack = await startSigstoreStack();
      writeFileSync(join(ws, 'trusted_root.json'), JSON.stringify(stack.trustedRoot));
      [plain, withApi, other] = await Promise.all([
        startRegistry(),
        startRegistry({ referrers: true }),
        startRegistry(),
      ]);
    });
    after(async () => {
      for (const r of [plain, withApi, other]) await r?.stop();
      await stack?.stop();
      await publishOidc?.stop();
      await releaseOidc?.stop();
      rmSync(ws, { recursive: true, force: true });
      rmSync(home, { recursive: true, force: true });
    });

    const sigstore = () => ({ 'fulcio-url': stack.fulcioURL, 'rekor-url': stack.rekorURL });
    const publish = async (repo: string, tag: string, annotation: string) => {
      const r = await runAction('publish', {
        inputs: {
          repository: repo,
          path: 'deploy',
          tags: tag,
          annotations: `x=${annotation}`,
          ...sigstore(),
        },
        env: { ...publishOidc.env, GITHUB_SHA: SHA },
        event: {
          ref: 'refs/heads/main',
          head_commit: { id: SHA, timestamp: '2026-11-20T12:00:00Z' },
        },
        workspace: ws,
      });
      assert.equal(r.exitCode, 0, r.stdout + r.stderr);
      assert.equal(r.outputs['certificate-identity'], PUBLISH_ID);
      return r.outputs.digest ?? '';
    };
    const tag = (inputs: Record<string, string>, env: Record<string, string | undefined> = {}) =>
      runAction('tag', {
        inputs: { 'trusted-root': 'trusted_root.json', ...inputs },
        env: { GITHUB_REF: 'refs/tags/v1.0.0', ...env },
        event: { ref: 'refs/tags/v1.0.0' },
        workspace: ws,
      });
    const verifyEntry = (repo: string, ref: string, subject: string) =>
      runAction('verify', {
        inputs: {
          repository: repo,
          ref,
          'match-oidc-identity': identity(subject),
          'trusted-root': 'trusted_root.json',
          'fail-on-unverified': 'false',
        },
        workspace: ws,
      });
    const cosign = (bin: 'cosign2' | 'cosign3', ref: string, subject: string) =>
      exec(
        toolPath(bin),
        [
          'verify',
          '--trusted-root',
          stack.trustedRootPath,
          '--rekor-url',
          stack.rekorURL,
          '--certificate-identity',
          subject,
          '--certificate-oidc-issuer-regexp',
          ISSUER_RE,
          '--allow-insecure-registry',
          '--allow-http-registry',
          ref,
        ],
        { HOME: home, TUF_ROOT: join(home, 'tuf'), NO_PROXY: '127.0.0.1' },
      );

    test('verify: the publish identity is accepted; a wrong identity fails and moves no tag', async () => {
      const repo = `${plain.host}/org/verify-gate`;
      const client = new RegistryClient(parseRepository(repo));
      const digest = await publish(repo, 'latest', 'gate');
      const before = await publish(repo, 'stable', 'older'); // another artifact under "stable"
      assert.notEqual(before, digest);

      const ok = await tag({
        repository: repo,
        ref: 'latest',
        tags: 'v1.0.0',
        verify: 'true',
        'match-oidc-identity': identity(PUBLISH_ID),
      });
      assert.equal(ok.exitCode, 0, ok.stdout + ok.stderr);
      assert.equal(ok.outputs.verified, 'true');
      assert.equal(ok.outputs['verified-identity'], PUBLISH_ID);
      assert.equal(ok.outputs.signed, 'false');
      assert.equal((await client.headManifest('v1.0.0'))?.digest, digest);
      assert.match(ok.summary, /Verified before promotion/);

      const bad = await tag({
        repository: repo,
        ref: 'latest',
        tags: 'stable, rejected',
        verify: 'true',
        'match-oidc-identity': identity(RELEASE_ID),
      });
      assert.equal(bad.exitCode, 1, bad.stdout);
      assert.equal(bad.errors.length, 1, bad.stdout);
      assert.match(bad.errors[0] ?? '', /not verified.*no tag was moved.*match-oidc-identity/);
      assert.equal((await client.headManifest('stable'))?.digest, before, 'stable did not move');
      assert.equal(await client.headManifest('rejected'), undefined);

      // Identities without verify: true are not silently trusted.
      const warned = await tag({
        repository: repo,
        ref: 'latest',
        tags: 'unchecked',
        'match-oidc-identity': identity(RELEASE_ID),
      });
      assert.equal(warned.exitCode, 0, warned.stdout);
      assert.match(warned.stdout, /::warning::.*verify is false/);
    });

    test('sign: re-signed by the release workflow, both identities verify (cosign and Flux rules)', async () => {
      const repo = `${withApi.host}/org/resign`;
      const client = new RegistryClient(parseRepository(repo));
      const digest = await publish(repo, 'latest', 'resign');
      const r = await tag(
        {
          repository: repo,
          ref: 'latest',
          tags: 'v1.0.0, production',
          verify: 'true',
          'match-oidc-identity': identity(PUBLISH_ID),
          sign: 'true',
          ...sigstore(),
        },
        releaseOidc.env,
      );
      assert.equal(r.exitCode, 0, r.stdout + r.stderr);
      assert.equal(r.outputs.signed, 'true');
      assert.equal(r.outputs['certificate-identity'], RELEASE_ID);
      assert.equal(
        r.outputs['certificate-oidc-issuer'],
        'https://token.actions.githubusercontent.com',
      );
      assert.equal(r.outputs.digest, digest);
      assert.match(r.summary, /kind: OCIRepository/);
      assert.match(r.summary, /tag: v1\.0\.0/);
      assert.ok(r.summary.includes(re2(RELEASE_ID)), r.summary);
      assert.equal((await client.headManifest('production'))?.digest, digest);

      for (const subject of [PUBLISH_ID, RELEASE_ID]) {
        for (const bin of ['cosign2', 'cosign3'] as const) {
          const v = await cosign(bin, `${repo}@${digest}`, subject);
          assert.equal(v.code, 0, `${bin} ${subject}: ${v.out}`);
        }
        const v = await verifyEntry(repo, 'production', subject);
        assert.equal(v.outputs.verified, 'true', `${subject}: ${v.outputs.reason}`);
        assert.equal(v.outputs.format, 'cosign-v3');
        assert.equal(v.outputs.identity, subject);
      }
      const wrong = await cosign(
        'cosign2',
        `${repo}@${digest}`,
        RELEASE_ID.replace('v1.0.0', 'v9'),
      );
      assert.notEqual(wrong.code, 0, 'cosign accepted an identity nobody signed with');
    });

    for (const [from, to, label] of [
      ['plain', 'withApi', 'fallback source to a registry with the referrers API'],
      ['withApi', 'other', 'referrers-API source to a registry without it'],
    ] as const) {
      test(`copy-to: ${label}: same digest, original signatures verify there`, async () => {
        const regs = { plain, withApi, other };
        const src = `${regs[from].host}/org/staging`;
        const dst = `${regs[to].host}/prod/app-config`;
        const digest = await publish(src, 'latest', `copy-${from}`);
        const run = () =>
          tag({
            repository: src,
            ref: 'latest',
            tags: 'prod',
            verify: 'true',
            'match-oidc-identity': identity(PUBLISH_ID),
            'copy-to': `oci://${dst}`,
          });
        const r = await run();
        assert.equal(r.exitCode, 0, r.stdout + r.stderr);
        assert.equal(r.outputs.copied, 'true');
        assert.equal(r.outputs.digest, digest);
        assert.equal(r.outputs.repository, dst);
        assert.equal(r.outputs['digest-url'], `${dst}@${digest}`);
        assert.equal(r.outputs['source-digest-url'], `${src}@${digest}`);

        const source = new RegistryClient(parseRepository(src));
        const dest = new RegistryClient(parseRepository(dst));
        assert.equal((await dest.headManifest('prod'))?.digest, digest);
        assert.deepEqual(
          (await dest.getManifest(digest)).bytes,
          (await source.getManifest(digest)).bytes,
        );
        assert.equal(await source.headManifest('prod'), undefined, 'the source is not tagged');
        assert.equal((await dest.listReferrers(digest)).length, 1, 'the bundle referrer is there');

        for (const bin of ['cosign2', 'cosign3'] as const) {
          const v = await cosign(bin, `${dst}@${digest}`, PUBLISH_ID);
          assert.equal(v.code, 0, `${bin}: ${v.out}`);
        }
        const v = await verifyEntry(dst, 'prod', PUBLISH_ID);
        assert.equal(v.outputs.verified, 'true', v.outputs.reason);
        assert.equal(v.outputs.format, 'cosign-v3');

        // Again: everything is there already, nothing is duplicated.
        const again = await run();
        assert.equal(again.exitCode, 0, again.stdout);
        assert.equal((await dest.listReferrers(digest)).length, 1);
      });
    }

    test('copy-to and sign: the copy carries the publish and the release signatures', async () => {
      const src = `${plain.host}/org/both`;
      const dst = `${other.host}/prod/both`;
      const digest = await publish(src, 'latest', 'copy-sign');
      const r = await tag(
        {
          repository: src,
          tags: 'v1.0.0',
          'copy-to': dst,
          sign: 'true',
          ...sigstore(),
        },
        releaseOidc.env,
      );
      assert.equal(r.exitCode, 0, r.stdout + r.stderr);
      assert.equal(r.outputs['certificate-identity'], RELEASE_ID);
      assert.ok(r.summary.includes(`url: oci://${dst}`), r.summary);
      const source = new RegistryClient(parseRepository(src));
      assert.equal((await source.listReferrers(digest)).length, 1, 'the source was not re-signed');
      for (const subject of [PUBLISH_ID, RELEASE_ID]) {
        const v = await cosign('cosign2', `${dst}:v1.0.0`, subject);
        assert.equal(v.code, 0, `${subject}: ${v.out}`);
        const f = await verifyEntry(dst, 'v1.0.0', subject);
        assert.equal(f.outputs.verified, 'true', f.outputs.reason);
      }
    });

    test('sign: warns when the first bundle would hide .sig-only identities from Flux', async () => {
      const repo = `${plain.host}/org/v2-only`;
      const r0 = await runAction('publish', {
        inputs: {
          repository: repo,
          path: 'deploy',
          'signature-format': 'cosign-v2',
          annotations: 'x=v2',
          ...sigstore(),
        },
        env: { ...publishOidc.env, GITHUB_SHA: SHA },
        event: { ref: 'refs/heads/main', repository: { default_branch: 'main' } },
        workspace: ws,
      });
      assert.equal(r0.exitCode, 0, r0.stdout);
      const both = await tag(
        { repository: repo, tags: 'v1.0.0', sign: 'true', ...sigstore() },
        releaseOidc.env,
      );
      assert.equal(both.exitCode, 0, both.stdout);
      assert.match(
        both.stdout,
        /::warning::.*only cosign v2 \(\.sig\) signatures.*signature-format: cosign-v2/,
      );
      // Flux now decides on the bundle: the publish identity (only in .sig) no longer verifies.
      const v = await verifyEntry(repo, 'v1.0.0', PUBLISH_ID);
      assert.equal(v.outputs.format, 'cosign-v3');
      assert.equal(v.outputs.verified, 'false');
      const again = await tag(
        { repository: repo, tags: 'v1.0.1', sign: 'true', ...sigstore() },
        releaseOidc.env,
      );
      assert.doesNotMatch(again.stdout, /only cosign v2/, 'no warning once a bundle exists');
    });

    test('bad inputs: one line naming the input, nothing tagged', async () => {
      const repo = `${plain.host}/org/bad`;
      const client = new RegistryClient(parseRepository(repo));
      await publish(repo, 'latest', 'bad');
      const cases: [Record<string, string>, Record<string, string | undefined>, RegExp][] = [
        [{ 'copy-to': `${other.host}/prod/x:v1` }, {}, /^copy-to .*must not include a tag/],
        [{ 'copy-to': repo }, {}, /^input copy-to names the source repository/],
        [{ verify: 'true' }, {}, /match-oidc-identity.*public-key/],
        [{ verify: 'yes' }, {}, /^input verify must be true or false/],
        [
          { sign: 'true', ...sigstore() },
          { ACTIONS_ID_TOKEN_REQUEST_URL: undefined, ACTIONS_ID_TOKEN_REQUEST_TOKEN: undefined },
          /id-token: write/,
        ],
      ];
      for (const [inputs, env, pattern] of cases) {
        const r = await tag({ repository: repo, tags: 'never', ...inputs }, env);
        assert.equal(r.exitCode, 1, r.stdout);
        assert.equal(r.errors.length, 1, r.stdout);
        assert.match(r.errors[0] ?? '', pattern);
        assert.doesNotMatch(r.errors[0] ?? '', /\n|%0A/);
      }
      assert.equal(await client.headManifest('never'), undefined);
    });
  },
);
