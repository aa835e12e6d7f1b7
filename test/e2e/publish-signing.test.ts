// publish and sign, bundled and run under Node 24 like the runner runs them, signing keylessly
// against the loopback Sigstore stack with a GitHub-shaped OIDC token, into registries with and
// without the referrers API; real cosign v2 and v3 judge the signatures with the regexps the job
// summary prints.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { RegistryClient } from '../../src/oci/client.js';
import { parseRepository } from '../../src/oci/reference.js';
import { type RunResult, runAction } from '../harness/action.js';
import { type FakeGitHubOIDC, GITHUB_OIDC_ISSUER } from '../harness/github-oidc.js';
import { type Keyless, startKeyless } from '../harness/keyless.js';
import { startRegistry, type TestRegistry } from '../harness/registry.js';
import { type SigstoreStack, startSigstoreStack } from '../harness/sigstore-stack.js';
import { requireTools, toolPath } from '../harness/tools.js';

const SHA = '9f2c4b1e8d7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e';
const IDENTITY = 'https://github.com/org/app-config/.github/workflows/publish.yaml@refs/heads/main';

interface Cmd {
  code: number;
  out: string;
}

function exec(bin: string, args: string[], env: Record<string, string> = {}): Promise<Cmd> {
  return new Promise((resolve) => {
    execFile(
      bin,
      args,
      { timeout: 90_000, env: { PATH: process.env.PATH ?? '', ...env } },
      (err, stdout, stderr) => {
        resolve({
          code: err ? (typeof err.code === 'number' ? err.code : 1) : 0,
          out: `${stdout}\n${stderr}`,
        });
      },
    );
  });
}

/** The issuer and subject regexps of the OCIRepository the summary offers. */
function summaryIdentity(summary: string): { issuer: string; subject: string } {
  const block = /```yaml\n([\s\S]*?)```/.exec(summary)?.[1] ?? '';
  const id = parseYaml(block)?.spec?.verify?.matchOIDCIdentity?.[0];
  assert.ok(id?.issuer && id?.subject, `no matchOIDCIdentity in summary:\n${summary}`);
  return { issuer: id.issuer, subject: id.subject };
}

describe(
  'publish signs before tagging (keyless, dist under Node 24)',
  requireTools('node24', 'cosign2', 'cosign3'),
  () => {
    let oidc: FakeGitHubOIDC;
    let stack: SigstoreStack;
    let keyless: Keyless | undefined;
    let home: string;
    let ws: string;
    const registries: TestRegistry[] = [];

    before(async () => {
      home = mkdtempSync(join(tmpdir(), 'cosign-home-'));
      ws = mkdtempSync(join(tmpdir(), 'ws-'));
      mkdirSync(join(ws, 'deploy'));
      writeFileSync(join(ws, 'deploy', 'app.yaml'), 'kind: ConfigMap\n');
      keyless = await startKeyless({
        repository: 'org/app-config',
        ref: 'refs/heads/main',
        sha: SHA,
      });
      ({ oidc, stack } = keyless);
    });
    after(async () => {
      for (const r of registries) await r.stop();
      await keyless?.stop();
      rmSync(home, { recursive: true, force: true });
      rmSync(ws, { recursive: true, force: true });
    });

    const cosignEnv = () => ({ HOME: home, TUF_ROOT: join(home, 'tuf'), NO_PROXY: '127.0.0.1' });
    const verify = (bin: 'cosign2' | 'cosign3', ref: string, issuer: string, subject: string) =>
      exec(
        toolPath(bin),
        [
          'verify',
          '--trusted-root',
          stack.trustedRootPath,
          '--rekor-url',
          stack.rekorURL,
          '--certificate-identity-regexp',
          subject,
          '--certificate-oidc-issuer-regexp',
          issuer,
          '--allow-insecure-registry',
          '--allow-http-registry',
          ref,
        ],
        cosignEnv(),
      );
    const publish = (
      repo: string,
      inputs: Record<string, string> = {},
      env: Record<string, string | undefined> = {},
      event: object = {},
    ) =>
      runAction('publish', {
        inputs: {
          repository: repo,
          path: 'deploy',
          'fulcio-url': stack.fulcioURL,
          'rekor-url': stack.rekorURL,
          ...inputs,
        },
        env: { ...oidc.env, GITHUB_SHA: SHA, GITHUB_REPOSITORY: 'org/app-config', ...env },
        event: {
          ref: 'refs/heads/main',
          head_commit: { id: SHA, timestamp: '2026-11-20T12:00:00Z' },
          repository: { full_name: 'org/app-config', default_branch: 'main' },
          ...event,
        },
        workspace: ws,
      });

    for (const referrers of [false, true]) {
      test(`signs both formats, tags after, cosign v2 and v3 accept with the summary's regexps (${referrers ? 'referrers API' : 'tag fallback'})`, async () => {
        const registry = await startRegistry({ referrers });
        registries.push(registry);
        const repo = `${registry.host}/org/app-config`;
        // `both` (the default is cosign-v3): cosign 2 verifies only the `.sig`.
        const runnerTemp = mkdtempSync(join(tmpdir(), 'runner-temp-'));
        const r = await publish(repo, { 'signature-format': 'both' }, { RUNNER_TEMP: runnerTemp });
        assert.equal(r.exitCode, 0, r.stdout + r.stderr);
        assert.equal(r.outputs.signed, 'true');
        assert.equal(r.outputs['certificate-identity'], IDENTITY);
        assert.equal(r.outputs['certificate-oidc-issuer'], GITHUB_OIDC_ISSUER);
        assert.match(r.summary, /kind: OCIRepository/);
        const { issuer, subject } = summaryIdentity(r.summary);
        const ref = `${repo}@${r.outputs.digest}`;
        for (const bin of ['cosign2', 'cosign3'] as const) {
          const ok = await verify(bin, ref, issuer, subject);
          assert.equal(ok.code, 0, `${bin}: ${ok.out}`);
          const wrong = await verify(
            bin,
            ref,
            issuer,
            subject.replace('refs/heads/main', 'refs/tags/v1'),
          );
          assert.notEqual(wrong.code, 0, `${bin} accepted a wrong ref`);
        }
        // Logs and files like actions/attest: the certificate and each format's Rekor entry in
        // groups, and the Sigstore bundle in RUNNER_TEMP, the one stored as the referrer that
        // cosign 3 just verified.
        try {
          assert.match(
            r.stdout,
            /^::group::Signed with a certificate from http:\/\/127\.0\.0\.1:\d+$/m,
          );
          assert.match(r.stdout, /^-----BEGIN CERTIFICATE-----$/m);
          const bundlePath = r.outputs['bundle-path'] ?? '';
          const name = `${r.outputs.digest?.replace(':', '-')}.sigstore.json`;
          assert.equal(bundlePath, join(runnerTemp, 'flux-oci-action', name));
          const fileBytes = readFileSync(bundlePath);
          const client = new RegistryClient(parseRepository(repo));
          const [referrer] = await client.listReferrers(r.outputs.digest ?? '');
          assert.ok(referrer, 'a bundle referrer');
          const layer = JSON.parse((await client.getManifest(referrer.digest)).bytes.toString())
            .layers[0];
          const stored: Buffer[] = [];
          for await (const c of await client.fetchBlob(layer.digest)) stored.push(c as Buffer);
          assert.ok(fileBytes.equals(Buffer.concat(stored)), 'bundle-path holds the stored bundle');
          const logIndex = String(
            JSON.parse(fileBytes.toString()).verificationMaterial.tlogEntries[0].logIndex,
          );
          const lines = r.stdout.split('\n');
          const from = lines.findIndex((l) =>
            l.startsWith('::group::Signature logged in the Rekor'),
          );
          assert.ok(from >= 0, r.stdout);
          const group = lines.slice(from, lines.indexOf('::endgroup::', from));
          const link = `${stack.rekorURL}/api/v1/log/entries?logIndex=${logIndex}`;
          assert.ok(group.includes(`cosign-v3: log index ${logIndex}, ${link}`), group.join('\n'));
          const v2 = group.find((l) => l.startsWith('cosign-v2: log index '));
          assert.ok(v2, group.join('\n'));
          for (const i of [logIndex, /log index (\d+)/.exec(v2)?.[1]])
            assert.ok(
              stack.entries.some((e) => String(e.logIndex) === i),
              `no Rekor entry ${i}`,
            );
        } finally {
          rmSync(runnerTemp, { recursive: true, force: true });
        }

        // Unchanged since latest: nothing pushed, and an already signed artifact is not re-signed.
        const again = await publish(repo, { 'diff-tag': 'latest', 'signature-format': 'both' });
        assert.equal(again.exitCode, 0, again.stdout);
        assert.equal(again.outputs.pushed, 'false');
        assert.equal(again.outputs.signed, 'false');
        assert.equal(again.outputs.digest, r.outputs.digest);
        const sig = new RegistryClient(parseRepository(repo));
        const sigManifest = JSON.parse(
          (await sig.getManifest(`sha256-${r.outputs.digest?.slice(7)}.sig`)).bytes.toString(),
        );
        assert.equal(sigManifest.layers.length, 1, 'still one .sig signature');

        // The tag-based reference verifies too: latest points at the signed digest.
        assert.equal((await verify('cosign2', `${repo}:latest`, issuer, subject)).code, 0);
        // No OIDC token or key password leaks into the log.
        const visible = (r.stdout + r.stderr).replace(/::add-mask::.*\n/g, '');
        assert.doesNotMatch(visible, /eyJ[\w-]{10,}\.eyJ[\w-]{10,}\./, 'a JWT was printed');
      });
    }

    test('trusted-root: the new signature is checked before tags move; a foreign root fails and moves no tag', async () => {
      const registry = await startRegistry({ referrers: true });
      registries.push(registry);
      const repo = `${registry.host}/org/checked`;
      writeFileSync(join(ws, 'root.json'), JSON.stringify(stack.trustedRoot));
      const ok = await publish(repo, { 'trusted-root': 'root.json' });
      assert.equal(ok.exitCode, 0, ok.stdout + ok.stderr);
      assert.match(ok.stdout, /verified against trusted-root/);

      const other = await startSigstoreStack({});
      try {
        writeFileSync(join(ws, 'other-root.json'), JSON.stringify(other.trustedRoot));
        const bad = await publish(repo, {
          'trusted-root': 'other-root.json',
          tags: 'never',
          annotations: 'x=y',
        });
        assert.equal(bad.exitCode, 1, bad.stdout);
        assert.match(bad.errors[0] ?? '', /trusted-root/);
        const client = new RegistryClient(parseRepository(repo));
        assert.equal(await client.headManifest('never'), undefined, 'no tag after a failed check');
      } finally {
        await other.stop();
      }
    });

    test('sign entry point: signs an existing artifact by tag, resolving it to the digest', async () => {
      const registry = await startRegistry({});
      registries.push(registry);
      const repo = `${registry.host}/org/app-config`;
      const pushed = await runAction('push', {
        inputs: { repository: repo, path: 'deploy', tags: 'v1.0.0' },
        event: { ref: 'refs/heads/main' },
        workspace: ws,
      });
      assert.equal(pushed.exitCode, 0, pushed.stdout);
      const r = await runAction('sign', {
        inputs: {
          repository: repo,
          ref: 'v1.0.0',
          'fulcio-url': stack.fulcioURL,
          'rekor-url': stack.rekorURL,
          'signature-format': 'cosign-v2',
        },
        env: { ...oidc.env, GITHUB_SHA: SHA },
        workspace: ws,
      });
      assert.equal(r.exitCode, 0, r.stdout + r.stderr);
      assert.equal(r.outputs.digest, pushed.outputs.digest);
      assert.equal(r.outputs['signature-format'], 'cosign-v2');
      const { issuer, subject } = summaryIdentity(r.summary);
      assert.equal(
        (await verify('cosign2', `${repo}@${r.outputs.digest}`, issuer, subject)).code,
        0,
      );
      // Only the .sig format was asked for: no bundle referrer.
      const client = new RegistryClient(parseRepository(repo));
      assert.deepEqual(await client.listReferrers(r.outputs.digest ?? ''), []);
    });

    describe('failures leave no tag behind', () => {
      let registry: TestRegistry;
      let client: RegistryClient;
      let repo: string;
      before(async () => {
        registry = await startRegistry({});
        registries.push(registry);
        repo = `${registry.host}/org/failing`;
        client = new RegistryClient(parseRepository(repo));
      });
      const assertFailed = async (r: RunResult, pattern: RegExp) => {
        assert.equal(r.exitCode, 1, r.stdout);
        assert.equal(r.errors.length, 1, r.stdout);
        assert.match(r.errors[0] ?? '', pattern);
        assert.deepEqual(await client.listTags(), [], 'no tag may point at an unsigned artifact');
      };

      test('missing id-token: write', async () => {
        await assertFailed(
          await publish(
            repo,
            {},
            { ACTIONS_ID_TOKEN_REQUEST_URL: undefined, ACTIONS_ID_TOKEN_REQUEST_TOKEN: undefined },
          ),
          /id-token: write/,
        );
      });

      test('fork pull request without a token: compared only, nothing pushed', async () => {
        const event = {
          number: 7,
          pull_request: {
            number: 7,
            head: {
              ref: 'patch-1',
              sha: SHA,
              repo: { full_name: 'someone/app-config', fork: true },
            },
            base: { ref: 'main', repo: { full_name: 'org/app-config' } },
          },
        };
        const r = await runAction('publish', {
          inputs: { repository: repo, path: 'deploy' },
          env: { GITHUB_SHA: SHA, GITHUB_REF: 'refs/pull/7/merge' },
          eventName: 'pull_request',
          event,
          workspace: ws,
        });
        // The fork path: built and compared only, one notice, nothing pushed, signed or tagged.
        assert.equal(r.exitCode, 0, r.stdout);
        assert.match(
          r.stdout,
          /comes from the fork someone\/app-config: .*nothing pushed, signed or tagged/,
        );
        assert.equal(r.outputs.fork, 'true');
        assert.deepEqual(await client.listTags(), [], 'a fork pull request must not tag anything');
      });

      test('private repository and the public transparency log need consent', async () => {
        const r = await runAction('publish', {
          inputs: { repository: repo, path: 'deploy' },
          env: { ...oidc.env, GITHUB_SHA: SHA },
          event: {
            ref: 'refs/heads/main',
            repository: { full_name: 'org/app-config', private: true, visibility: 'private' },
          },
          workspace: ws,
        });
        await assertFailed(r, /allow-public-log-for-private-repo/);
      });

      test('unreachable Fulcio: names fulcio-url, pushes by digest but moves no tag', async () => {
        await assertFailed(
          await publish(repo, { 'fulcio-url': 'http://127.0.0.1:9' }),
          /fulcio-url/,
        );
      });

      test('Rekor failing: names rekor-url, no tag', async () => {
        stack.failNext('rekor', 500, 20);
        try {
          await assertFailed(await publish(repo), /rekor-url/);
        } finally {
          stack.failNext('rekor', 500, 0);
        }
      });

      test('wrong cosign key password: names the input, nothing pushed', async () => {
        const keyDir = mkdtempSync(join(tmpdir(), 'keys2-'));
        const g = await new Promise<Cmd>((resolve) =>
          execFile(
            toolPath('cosign2'),
            ['generate-key-pair'],
            {
              cwd: keyDir,
              env: { PATH: process.env.PATH ?? '', ...cosignEnv(), COSIGN_PASSWORD: 'right-pass' },
            },
            (err, o, e) => resolve({ code: err ? 1 : 0, out: o + e }),
          ),
        );
        assert.equal(g.code, 0, g.out);
        const key = readFileSync(join(keyDir, 'cosign.key'), 'utf8');
        const r = await publish(repo, { 'cosign-key': key, 'cosign-key-password': 'wrong-pass' });
        await assertFailed(r, /cosign-key-password/);
        assert.ok(!r.stdout.replace(/::add-mask::.*\n/g, '').includes('wrong-pass'));
        // And the right password signs in a way `cosign verify --key` accepts.
        const ok = await publish(repo, {
          'cosign-key': key,
          'cosign-key-password': 'right-pass',
          tags: 'keyed',
          'signature-format': 'both', // cosign 2 below reads only the `.sig`
        });
        assert.equal(ok.exitCode, 0, ok.stdout);
        assert.match(ok.summary, /secretRef/);
        const v = await exec(
          toolPath('cosign2'),
          [
            'verify',
            '--key',
            join(keyDir, 'cosign.pub'),
            '--insecure-ignore-tlog',
            '--allow-insecure-registry',
            '--allow-http-registry',
            `${repo}@${ok.outputs.digest}`,
          ],
          cosignEnv(),
        );
        assert.equal(v.code, 0, v.out);
        assert.equal(
          ok.outputs['public-key']?.trim(),
          readFileSync(join(keyDir, 'cosign.pub'), 'utf8').trim(),
        );
        rmSync(keyDir, { recursive: true, force: true });
      });
    });
  },
);
