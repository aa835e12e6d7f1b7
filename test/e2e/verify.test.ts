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
import { describeJudges, FLUX_LINES, fluxJudges, JUDGE_TOOLS } from '../harness/fluxjudge.js';
import type { FakeGitHubOIDC } from '../harness/github-oidc.js';
import { type Keyless, startKeyless } from '../harness/keyless.js';
import { startRegistry, type TestRegistry } from '../harness/registry.js';
import type { SigstoreStack } from '../harness/sigstore-stack.js';
import { requireTools, toolPath } from '../harness/tools.js';

/** The `matchOIDCIdentity` block of a summary or input, as the judges take it. */
function identitiesOf(block: string): Array<{ issuer: string; subject: string }> {
  const out: Array<{ issuer: string; subject: string }> = [];
  for (const m of block.matchAll(/- issuer: (\S+)\n\s+subject: (\S+)/g))
    out.push({ issuer: m[1] as string, subject: m[2] as string });
  return out;
}

describe('verify entry point', requireTools('node24', 'crane', 'flux', ...JUDGE_TOOLS), () => {
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
    await describeJudges();
  });

  /** Both real Flux verifiers on `ref` of repo, each expected to answer `expected`. */
  async function fluxSays(
    ref: string,
    block: string,
    expected: boolean,
    root = 'trusted_root.json',
  ) {
    const image = ref.startsWith('sha256:') ? `${repo}@${ref}` : `${repo}:${ref}`;
    const r = await fluxJudges({
      image,
      trustedRoot: join(ws, root),
      identities: identitiesOf(block),
    });
    for (const line of FLUX_LINES)
      assert.equal(r[line].verified, expected, `flux ${line} on ${ref}: ${r[line].error}`);
    return r['1.10'];
  }
  after(async () => {
    await registry?.stop();
    await keyless?.stop();
    rmSync(ws, { recursive: true, force: true });
  });

  const publish = (format: string, tag: string, annotation = `fmt=${format}`) =>
    runAction('publish', {
      inputs: {
        repository: repo,
        path: 'deploy',
        tags: tag,
        'signature-format': format,
        annotations: annotation,
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
        ok.outputs['verify-rule'],
        expected === 'cosign-v3' ? 'cosign-v3-bundle' : 'cosign-v2-sig',
      );
      assert.equal(ok.outputs['flux-verified'], 'true');
      assert.equal((await fluxSays(`t-${format}`, block, true)).format, expected);
      assert.equal(
        ok.outputs['certificate-identity'],
        'https://github.com/org/app/.github/workflows/publish.yaml@refs/heads/main',
      );
      assert.equal(ok.outputs.digest, p.outputs.digest);

      const wrongBranch = block.replace('refs/heads/main', 'refs/tags/v1\\.0\\.0');
      const bad = await verify(`t-${format}`, wrongBranch);
      await fluxSays(`t-${format}`, wrongBranch, false);
      assert.equal(bad.exitCode, 1);
      assert.match(bad.errors[0] ?? '', /not verified/);
      const soft = await verify(`t-${format}`, wrongBranch, { 'fail-on-unverified': 'false' });
      assert.equal(soft.exitCode, 0);
      assert.equal(soft.outputs.verified, 'false');
      assert.ok(soft.outputs.reason);
    });
  }

  test('a .sig copied to another artifact: Flux accepts it; verify and tag fail by default, warn on request', async () => {
    const p = await publish('cosign-v2', 'copied-src', 'x=copied-src');
    assert.equal(p.exitCode, 0, p.stdout + p.stderr);
    const block = /(- issuer: .+\n\s+subject: .+)/.exec(p.summary)?.[1] ?? '';
    const pushed = await runAction('push', {
      inputs: { repository: repo, path: 'deploy', tags: 'victim', annotations: 'x=victim' },
      event: { ref: 'refs/heads/main' },
      workspace: ws,
    });
    assert.equal(pushed.exitCode, 0, pushed.stdout);
    const victim = pushed.outputs.digest ?? '';
    const sigTag = (d: string) => `${d.replace(':', '-')}.sig`;
    await promisify(execFile)(
      toolPath('crane'),
      ['copy', `${repo}:${sigTag(p.outputs.digest ?? '')}`, `${repo}:${sigTag(victim)}`],
      { env: { ...process.env, NO_PROXY: '127.0.0.1' } },
    );
    await fluxSays('victim', block, true);
    const strict = await verify('victim', block);
    assert.equal(strict.exitCode, 1, strict.stdout);
    assert.equal(strict.outputs.verified, 'false');
    assert.equal(strict.outputs['flux-verified'], 'true');
    assert.equal(strict.outputs['verify-rule'], 'cosign-v2-sig-copied');
    assert.equal(strict.errors.length, 1);
    assert.match(strict.errors[0] ?? '', /Flux would accept it.*must not be trusted/);
    assert.doesNotMatch(strict.errors[0] ?? '', /\n|%0A/);
    const warn = await verify('victim', block, { 'copied-signature': 'warn' });
    assert.equal(warn.exitCode, 0, warn.stdout);
    assert.equal(warn.outputs.verified, 'true');
    assert.match(warn.stdout, /::warning::.*Flux would accept it/);
    // tag's verify gate: nothing moves.
    const gated = await runAction('tag', {
      inputs: {
        repository: repo,
        ref: 'victim',
        tags: 'promoted',
        verify: 'true',
        'match-oidc-identity': block,
        'trusted-root': 'trusted_root.json',
      },
      workspace: ws,
    });
    assert.equal(gated.exitCode, 1, gated.stdout);
    assert.match(gated.errors[0] ?? '', /copied from another artifact.*no tag was moved/);
    const relaxed = await runAction('tag', {
      inputs: {
        repository: repo,
        ref: 'victim',
        tags: 'promoted',
        verify: 'true',
        'match-oidc-identity': block,
        'trusted-root': 'trusted_root.json',
        'copied-signature': 'warn',
      },
      workspace: ws,
    });
    assert.equal(relaxed.exitCode, 0, relaxed.stdout);
    assert.equal(relaxed.outputs['verify-rule'], 'cosign-v2-sig-copied');
  });

  test('two identities where a bundle decides: Flux refuses; verify shows the single entry, which Flux accepts', async () => {
    const p = await publish('cosign-v3', 'two-ids', 'x=two-ids');
    assert.equal(p.exitCode, 0, p.stdout + p.stderr);
    // One list of two entries, indented as a user writes it (the summary's block is nested deeper).
    const block = (/(- issuer: .+\n\s+subject: .+)/.exec(p.summary)?.[1] ?? '').replace(
      /\n\s+subject:/,
      '\n  subject:',
    );
    const two = `${block}\n${block.replace('publish', 'release')}`;
    await fluxSays('two-ids', two, false);
    const r = await verify('two-ids', two);
    assert.equal(r.exitCode, 1);
    assert.match(r.errors[0] ?? '', /multiple identities are not supported/);
    const m = /issuer: (\S+) subject: (\S+), which verifies this artifact/.exec(r.errors[0] ?? '');
    assert.ok(m, r.errors[0]);
    await fluxSays('two-ids', `- issuer: ${m[1]}\n  subject: ${m[2]}`, true);
  });

  test('private Sigstore: the summary stores the trusted root in a Secret (trustedRootSecretRef); that file verifies in Flux', async () => {
    writeFileSync(join(ws, 'private-root.json'), JSON.stringify(stack.trustedRoot));
    const p = await runAction('publish', {
      inputs: {
        repository: repo,
        path: 'deploy',
        tags: 'private',
        annotations: 'x=private',
        'fulcio-url': stack.fulcioURL,
        'rekor-url': stack.rekorURL,
        'trusted-root': 'private-root.json',
      },
      env: oidc.env,
      event: { ref: 'refs/heads/main' },
      workspace: ws,
    });
    assert.equal(p.exitCode, 0, p.stdout + p.stderr);
    assert.match(p.summary, /trustedRootSecretRef:\n\s+name: sigstore-trusted-root/);
    const file =
      /kubectl -n flux-system create secret generic sigstore-trusted-root --from-file=trusted_root\.json=(\S+)/.exec(
        p.summary,
      )?.[1];
    assert.equal(file, 'private-root.json', p.summary);
    // The root carries the Rekor baseUrl Flux takes from it.
    const root = JSON.parse(readFileSync(join(ws, file), 'utf8')) as {
      tlogs: { baseUrl: string }[];
    };
    assert.equal(root.tlogs[0]?.baseUrl, stack.rekorURL);
    const block = /(- issuer: .+\n\s+subject: .+)/.exec(p.summary)?.[1] ?? '';
    await fluxSays('private', block, true, file);
    // A root without a baseUrl is refused before anything is signed.
    const noUrl = { ...stack.trustedRoot, tlogs: root.tlogs.map(({ baseUrl: _, ...t }) => t) };
    writeFileSync(join(ws, 'no-url.json'), JSON.stringify(noUrl));
    const bad = await runAction('publish', {
      inputs: {
        repository: repo,
        path: 'deploy',
        tags: 'no-url',
        annotations: 'x=no-url',
        'fulcio-url': stack.fulcioURL,
        'rekor-url': stack.rekorURL,
        'trusted-root': 'no-url.json',
      },
      env: oidc.env,
      event: { ref: 'refs/heads/main' },
      workspace: ws,
    });
    assert.equal(bad.exitCode, 1, bad.stdout);
    assert.match(bad.errors[0] ?? '', /baseUrl/);
  });

  test('sign on an artifact pushed by the real `flux push artifact` (default cosign-v3): both Flux lines accept it', async () => {
    const { stdout } = await promisify(execFile)(
      toolPath('flux'),
      [
        'push',
        'artifact',
        `oci://${repo}:flux-pushed`,
        '--path',
        join(ws, 'deploy'),
        '--source',
        'https://github.com/org/app',
        '--revision',
        'main@sha1:0123456789abcdef0123456789abcdef01234567',
        '-o',
        'json',
      ],
      { env: { ...process.env, NO_PROXY: '127.0.0.1' } },
    );
    const digest = (JSON.parse(stdout) as { digest: string }).digest;
    const signed = await runAction('sign', {
      inputs: {
        repository: repo,
        ref: 'flux-pushed',
        'fulcio-url': stack.fulcioURL,
        'rekor-url': stack.rekorURL,
      },
      env: oidc.env,
      workspace: ws,
    });
    assert.equal(signed.exitCode, 0, signed.stdout + signed.stderr);
    assert.equal(signed.outputs.digest, digest);
    assert.equal(signed.outputs['signature-format'], 'cosign-v3');
    const block = /(- issuer: .+\n\s+subject: .+)/.exec(signed.summary)?.[1] ?? '';
    assert.equal((await fluxSays('flux-pushed', block, true)).format, 'cosign-v3');
    await fluxSays('flux-pushed', block.replace('publish', 'release'), false);
    const ours = await verify('flux-pushed', block);
    assert.equal(ours.outputs.verified, 'true', ours.stdout);
  });

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
