// The verify entry point (dist under Node 24) on artifacts signed by our publish step: it accepts
// the identity the publish summary offers, rejects a wrong one, and decides the format as Flux does.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { runAction } from '../harness/action.js';
import type { FakeGitHubOIDC } from '../harness/github-oidc.js';
import { type Keyless, startKeyless } from '../harness/keyless.js';
import { startRegistry, type TestRegistry } from '../harness/registry.js';
import type { SigstoreStack } from '../harness/sigstore-stack.js';
import { requireTools, toolPath } from '../harness/tools.js';

describe('verify entry point', requireTools('node24'), () => {
  let oidc: FakeGitHubOIDC;
  let stack: SigstoreStack;
  let keyless: Keyless | undefined;
  let registry: TestRegistry;
  let ws: string;
  let repo: string;

  before(async () => {
    ws = mkdtempSync(join(tmpdir(), 'ws-'));
    mkdirSync(join(ws, 'deploy'));
    writeFileSync(join(ws, 'deploy', 'app.yaml'), 'kind: ConfigMap\n');
    keyless = await startKeyless({ repository: 'org/app', ref: 'refs/heads/main' });
    ({ oidc, stack } = keyless);
    writeFileSync(join(ws, 'trusted_root.json'), JSON.stringify(stack.trustedRoot));
    registry = await startRegistry({ referrers: true });
    repo = `${registry.host}/org/app`;
  });
  after(async () => {
    await registry?.stop();
    await keyless?.stop();
    rmSync(ws, { recursive: true, force: true });
  });

  const publish = (format: string, tag: string) =>
    runAction('publish', {
      inputs: {
        repository: repo,
        path: 'deploy',
        tags: tag,
        'signature-format': format,
        annotations: `fmt=${format}`,
        'fulcio-url': stack.fulcioURL,
        'rekor-url': stack.rekorURL,
      },
      env: oidc.env,
      event: { ref: 'refs/heads/main' },
      workspace: ws,
    });
  const verify = (ref: string, identity: string, extra: Record<string, string> = {}) =>
    runAction('verify', {
      inputs: {
        repository: repo,
        ref,
        'match-oidc-identity': identity,
        'trusted-root': 'trusted_root.json',
        ...extra,
      },
      workspace: ws,
    });

  for (const [format, expected] of [
    ['cosign-v2', 'cosign-v2'],
    ['cosign-v3', 'cosign-v3'],
    ['both', 'cosign-v3'],
  ] as const) {
    test(`signed as ${format}: verified on the ${expected} path with the summary's identity`, async () => {
      const p = await publish(format, `t-${format}`);
      assert.equal(p.exitCode, 0, p.stdout + p.stderr);
      const block = /(- issuer: .+\n\s+subject: .+)/.exec(p.summary)?.[1];
      assert.ok(block, p.summary);
      const ok = await verify(`t-${format}`, block);
      assert.equal(ok.exitCode, 0, ok.stdout + ok.stderr);
      assert.equal(ok.outputs.verified, 'true');
      assert.equal(ok.outputs['signature-format'], expected);
      assert.equal(
        ok.outputs['certificate-identity'],
        'https://github.com/org/app/.github/workflows/publish.yaml@refs/heads/main',
      );
      assert.equal(ok.outputs.digest, p.outputs.digest);

      const wrongBranch = block.replace('refs/heads/main', 'refs/tags/v1\\.0\\.0');
      const bad = await verify(`t-${format}`, wrongBranch);
      assert.equal(bad.exitCode, 1);
      assert.match(bad.errors[0] ?? '', /not verified/);
      const soft = await verify(`t-${format}`, wrongBranch, { 'fail-on-unverified': 'false' });
      assert.equal(soft.exitCode, 0);
      assert.equal(soft.outputs.verified, 'false');
      assert.ok(soft.outputs.reason);
    });
  }

  test('unsigned artifact: not verified; bad inputs are named', async () => {
    const pushed = await runAction('push', {
      inputs: { repository: repo, path: 'deploy', tags: 'unsigned', annotations: 'x=unsigned' },
      event: { ref: 'refs/heads/main' },
      workspace: ws,
    });
    assert.equal(pushed.exitCode, 0, pushed.stdout);
    const r = await verify('unsigned', '- issuer: .*\n  subject: .*');
    assert.equal(r.exitCode, 1);
    assert.equal(r.outputs.verified, 'false');
    const noIdentity = await runAction('verify', {
      inputs: { repository: repo, ref: 'unsigned' },
      workspace: ws,
    });
    assert.match(noIdentity.errors[0] ?? '', /match-oidc-identity/);
    const badRegexp = await verify('unsigned', '- issuer: (?<=x)\n  subject: .*');
    assert.equal(badRegexp.exitCode, 1);
    assert.match(badRegexp.errors[0] ?? '', /match-oidc-identity/);
    const badRoot = await verify('unsigned', '- issuer: .*\n  subject: .*', {
      'trusted-root': 'missing.json',
    });
    assert.match(badRoot.errors[0] ?? '', /trusted-root/);
  });
});

describe(
  'verify entry point on signatures made by the real cosign CLIs',
  requireTools('node24', 'cosign2', 'cosign3'),
  () => {
    let stack: SigstoreStack;
    let keyless: Keyless | undefined;
    let registry: TestRegistry;
    let ws: string;
    let repo: string;
    const IDENTITY =
      '- issuer: ^https://token\\.actions\\.githubusercontent\\.com$\n  subject: ^https://github\\.com/org/app/\\.github/workflows/publish\\.yaml@refs/heads/main$';

    before(async () => {
      ws = mkdtempSync(join(tmpdir(), 'ws-'));
      mkdirSync(join(ws, 'deploy'));
      writeFileSync(join(ws, 'deploy', 'app.yaml'), 'kind: ConfigMap\n');
      keyless = await startKeyless({ repository: 'org/app', ref: 'refs/heads/main' });
      ({ stack } = keyless);
      writeFileSync(join(ws, 'trusted_root.json'), JSON.stringify(stack.trustedRoot));
      registry = await startRegistry({});
      repo = `${registry.host}/org/cosigned`;
    });
    after(async () => {
      await registry?.stop();
      await keyless?.stop();
      rmSync(ws, { recursive: true, force: true });
    });

    const push = async (tag: string) => {
      const r = await runAction('push', {
        inputs: { repository: repo, path: 'deploy', tags: tag, annotations: `t=${tag}` },
        event: { ref: 'refs/heads/main' },
        workspace: ws,
      });
      assert.equal(r.exitCode, 0, r.stdout);
      return r.outputs.digest ?? '';
    };
    const cosign = (bin: 'cosign2' | 'cosign3', args: string[]) =>
      promisify(execFile)(toolPath(bin), args, {
        cwd: ws,
        timeout: 120_000,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: ws,
          TUF_ROOT: join(ws, 'tuf'),
          COSIGN_PASSWORD: 'pw',
          NO_PROXY: '127.0.0.1',
        },
      });

    for (const bin of ['cosign2', 'cosign3'] as const) {
      test(`${bin} sign (keyless against the test stack): accepted with the right identity, rejected with a wrong one`, async () => {
        const digest = await push(`kl-${bin}`);
        await cosign(bin, [...(keyless?.cosignSignArgs(bin) ?? []), `${repo}@${digest}`]);
        const ok = await runAction('verify', {
          inputs: {
            repository: repo,
            ref: digest,
            'match-oidc-identity': IDENTITY,
            'trusted-root': 'trusted_root.json',
          },
          workspace: ws,
        });
        assert.equal(ok.exitCode, 0, ok.stdout + ok.stderr);
        assert.equal(ok.outputs['signature-format'], bin === 'cosign3' ? 'cosign-v3' : 'cosign-v2');
        const bad = await runAction('verify', {
          inputs: {
            repository: repo,
            ref: digest,
            'match-oidc-identity': IDENTITY.replace('publish', 'release'),
            'trusted-root': 'trusted_root.json',
            'fail-on-unverified': 'false',
          },
          workspace: ws,
        });
        assert.equal(bad.outputs.verified, 'false');
      });
    }

    test('cosign2 sign --key: accepted with cosign.pub, rejected with another key', async () => {
      const digest = await push('keyed');
      mkdirSync(join(ws, 'k1'));
      mkdirSync(join(ws, 'k2'));
      await promisify(execFile)(toolPath('cosign2'), ['generate-key-pair'], {
        cwd: join(ws, 'k1'),
        env: { PATH: process.env.PATH ?? '', HOME: ws, COSIGN_PASSWORD: 'pw' },
      });
      await promisify(execFile)(toolPath('cosign2'), ['generate-key-pair'], {
        cwd: join(ws, 'k2'),
        env: { PATH: process.env.PATH ?? '', HOME: ws, COSIGN_PASSWORD: 'pw' },
      });
      await cosign('cosign2', [
        'sign',
        '--yes',
        '--allow-http-registry',
        '--tlog-upload=false',
        '--key',
        join(ws, 'k1', 'cosign.key'),
        `${repo}@${digest}`,
      ]);
      const key = (dir: string) => readFileSync(join(ws, dir, 'cosign.pub'), 'utf8');
      const ok = await runAction('verify', {
        inputs: { repository: repo, ref: 'keyed', 'public-key': key('k1') },
        workspace: ws,
      });
      assert.equal(ok.exitCode, 0, ok.stdout + ok.stderr);
      assert.equal(ok.outputs.verified, 'true');
      const bad = await runAction('verify', {
        inputs: {
          repository: repo,
          ref: 'keyed',
          'public-key': key('k2'),
          'fail-on-unverified': 'false',
        },
        workspace: ws,
      });
      assert.equal(bad.outputs.verified, 'false');
    });
  },
);
