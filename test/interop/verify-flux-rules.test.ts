// Verification interop, table-driven: for every signature (made by our signer, by `cosign sign`
// v2 and v3, keyless against the loopback Sigstore stack and with a cosign key pair; on a
// registry with and one without the referrers API) and every identity case, the Go judge
// (cosign v3.0.6 called like Flux source-controller v1.9.x) and our verifier must give the same
// answer, and that answer must be the one Flux's rules give. `cosign verify` (v2.6.1 and v3.0.6)
// is asked too; where the CLI's rules differ from Flux's (noted per row) its answer is pinned
// separately.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { parseRepository, RegistryClient } from '../../src/oci/index.js';
import { signArtifact } from '../../src/signing/attach.js';
import { KeySigner } from '../../src/signing/key.js';
import { KeylessSigner } from '../../src/signing/keyless.js';
import { cosignSignatureTag } from '../../src/signing/types.js';
import { type VerifyResult, verifyArtifact } from '../../src/signing/verify/index.js';
import { fluxVerify } from '../harness/fluxverify.js';
import { type FakeGitHubOIDC, startGitHubOIDC } from '../harness/github-oidc.js';
import { startRegistry, type TestRegistry } from '../harness/registry.js';
import { type SigstoreStack, startSigstoreStack } from '../harness/sigstore-stack.js';
import { requireTools, toolPath } from '../harness/tools.js';

const pexec = promisify(execFile);
const ENV = { ...process.env, NO_PROXY: '127.0.0.1,localhost', no_proxy: '127.0.0.1,localhost' };

const ISSUER = '^https://token\\.actions\\.githubusercontent\\.com$';
const PUBLISH = '^https://github\\.com/org/app/\\.github/workflows/publish\\.yaml@refs/heads/main$';
type Identity = { issuer: string; subject: string };
const IDENTITY: Record<string, Identity[]> = {
  right: [{ issuer: ISSUER, subject: PUBLISH }],
  'wrong workflow': [
    {
      issuer: ISSUER,
      subject: '^https://github\\.com/org/app/\\.github/workflows/release\\.yaml@refs/heads/main$',
    },
  ],
  'wrong branch': [
    {
      issuer: ISSUER,
      subject: '^https://github\\.com/org/app/\\.github/workflows/publish\\.yaml@refs/heads/dev$',
    },
  ],
  'wrong issuer': [{ issuer: '^https://accounts\\.google\\.com$', subject: PUBLISH }],
  // Flux checks no identity on the `.sig` path, and refuses an empty list on the bundle path.
  'no identities': [],
  // Flux ORs these on the `.sig` path, and refuses more than one on the bundle path.
  'two identities': [
    { issuer: ISSUER, subject: 'release\\.yaml' },
    { issuer: ISSUER, subject: PUBLISH },
  ],
};

type RegistryKind = 'referrers-api' | 'tag-fallback';
type SignerName =
  | 'ours cosign-v2'
  | 'ours cosign-v3'
  | 'ours both'
  | 'cosign3 sign (bundle)'
  | 'cosign3 sign --new-bundle-format=false'
  | 'cosign2 sign'
  | 'ours key cosign-v2'
  | 'ours key both'
  | 'cosign3 sign --key'
  | 'cosign2 sign --key';

interface Signed {
  registry: RegistryKind;
  signer: SignerName;
  image: string;
  digest: string;
  keyBased: boolean;
  /** Format Flux decides on. */
  fluxFormat: 'cosign-v3' | 'cosign-v2';
}

const KEYLESS_SIGNERS: SignerName[] = [
  'ours cosign-v2',
  'ours cosign-v3',
  'ours both',
  'cosign3 sign (bundle)',
  'cosign3 sign --new-bundle-format=false',
  'cosign2 sign',
];
const KEY_SIGNERS: SignerName[] = [
  'ours key cosign-v2',
  'ours key both',
  'cosign3 sign --key',
  'cosign2 sign --key',
];
const BUNDLE_SIGNERS = new Set<SignerName>([
  'ours cosign-v3',
  'ours both',
  'cosign3 sign (bundle)',
  'ours key both',
  'cosign3 sign --key',
]);

describe(
  'verification: our verifier, the Go judge (Flux) and cosign agree',
  requireTools('flux', 'crane', 'cosign2', 'cosign3', 'go'),
  () => {
    let stack: SigstoreStack;
    let oidc: FakeGitHubOIDC;
    const registries = {} as Record<RegistryKind, TestRegistry>;
    let dir: string;
    let keyPath: string;
    let pubPath: string;
    const signed: Signed[] = [];
    let n = 0;

    async function pushArtifact(host: string, repo: string): Promise<string> {
      const src = join(dir, `src-${n++}`);
      await pexec('mkdir', ['-p', src]);
      await writeFile(
        join(src, 'cm.yaml'),
        `kind: ConfigMap\nmetadata:\n  name: c${randomBytes(6).toString('hex')}\n`,
      );
      const { stdout } = await pexec(
        toolPath('flux'),
        [
          'push',
          'artifact',
          `oci://${host}/${repo}:latest`,
          '--path',
          src,
          '--source',
          'https://github.com/org/app',
          '--revision',
          'main@sha1:0123456789abcdef0123456789abcdef01234567',
          '-o',
          'json',
        ],
        { env: ENV },
      );
      return (JSON.parse(stdout) as { digest: string }).digest;
    }

    function client(host: string, repo: string): RegistryClient {
      return new RegistryClient(parseRepository(`${host}/${repo}`));
    }

    async function cosignSign(
      tool: 'cosign2' | 'cosign3',
      image: string,
      extra: string[],
    ): Promise<void> {
      const keyless = !extra.includes('--key');
      const args = ['sign', '--yes', '--allow-http-registry', ...extra];
      if (keyless) {
        args.push(
          '--identity-token',
          oidc.issueToken(),
          '--fulcio-url',
          stack.fulcioURL,
          '--rekor-url',
          stack.rekorURL,
          '--trusted-root',
          stack.trustedRootPath,
        );
      }
      if (tool === 'cosign3' && (keyless || extra.includes('--new-bundle-format=false')))
        args.push('--use-signing-config=false');
      args.push(image);
      await pexec(toolPath(tool), args, { env: { ...ENV, COSIGN_PASSWORD: '' }, timeout: 120_000 });
    }

    async function sign(registry: RegistryKind, signer: SignerName): Promise<Signed> {
      const host = registries[registry].host;
      const repo = `app${n}`;
      const digest = await pushArtifact(host, repo);
      const image = `${host}/${repo}@${digest}`;
      const keyless = new KeylessSigner({
        identityProvider: { getToken: async () => oidc.issueToken() },
        fulcioURL: stack.fulcioURL,
        rekorURL: stack.rekorURL,
      });
      const keySigner = async () => KeySigner.fromPEM(await readFile(keyPath, 'utf8'), '', {});
      switch (signer) {
        case 'ours cosign-v2':
          await signArtifact({
            client: client(host, repo),
            digest,
            format: 'cosign-v2',
            signer: keyless,
          });
          break;
        case 'ours cosign-v3':
          await signArtifact({
            client: client(host, repo),
            digest,
            format: 'cosign-v3',
            signer: keyless,
          });
          break;
        case 'ours both':
          await signArtifact({
            client: client(host, repo),
            digest,
            format: 'both',
            signer: keyless,
          });
          break;
        case 'ours key cosign-v2':
          await signArtifact({
            client: client(host, repo),
            digest,
            format: 'cosign-v2',
            signer: await keySigner(),
          });
          break;
        case 'ours key both':
          await signArtifact({
            client: client(host, repo),
            digest,
            format: 'both',
            signer: await keySigner(),
          });
          break;
        case 'cosign3 sign (bundle)':
          await cosignSign('cosign3', image, []);
          break;
        case 'cosign3 sign --new-bundle-format=false':
          await cosignSign('cosign3', image, ['--new-bundle-format=false']);
          break;
        case 'cosign2 sign':
          await cosignSign('cosign2', image, []);
          break;
        case 'cosign3 sign --key':
          await cosignSign('cosign3', image, [
            '--key',
            keyPath,
            '--tlog-upload=false',
            '--use-signing-config=false',
          ]);
          break;
        case 'cosign2 sign --key':
          await cosignSign('cosign2', image, ['--key', keyPath, '--tlog-upload=false']);
          break;
      }
      return {
        registry,
        signer,
        image,
        digest,
        keyBased: KEY_SIGNERS.includes(signer),
        fluxFormat: BUNDLE_SIGNERS.has(signer) ? 'cosign-v3' : 'cosign-v2',
      };
    }

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'verify-interop-'));
      stack = await startSigstoreStack();
      oidc = await startGitHubOIDC({
        repository: 'org/app',
        workflowPath: '.github/workflows/publish.yaml',
        ref: 'refs/heads/main',
      });
      registries['referrers-api'] = await startRegistry({ referrers: true });
      registries['tag-fallback'] = await startRegistry();
      await pexec(
        toolPath('cosign3'),
        ['generate-key-pair', '--output-key-prefix', join(dir, 'cosign')],
        {
          env: { ...ENV, COSIGN_PASSWORD: '' },
        },
      );
      keyPath = join(dir, 'cosign.key');
      pubPath = join(dir, 'cosign.pub');
      for (const registry of ['referrers-api', 'tag-fallback'] as const) {
        for (const signer of [...KEYLESS_SIGNERS, ...KEY_SIGNERS])
          signed.push(await sign(registry, signer));
      }
    });

    after(async () => {
      await Promise.allSettled([
        oidc?.stop(),
        stack?.stop(),
        registries['referrers-api']?.stop(),
        registries['tag-fallback']?.stop(),
      ]);
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    async function ours(
      s: { image: string; digest: string },
      opts: { identities?: Identity[]; publicKey?: string },
    ): Promise<VerifyResult> {
      const [host, rest] = [s.image.split('/')[0] as string, s.image.split('/')[1] as string];
      const repo = rest.split('@')[0] as string;
      return verifyArtifact({
        client: client(host, repo),
        digest: s.digest,
        trustedRoot: stack.trustedRoot as unknown as Record<string, unknown>,
        ...(opts.publicKey ? { publicKey: opts.publicKey } : { identities: opts.identities ?? [] }),
      });
    }

    async function cosignVerify(
      tool: 'cosign2' | 'cosign3',
      image: string,
      opts: { identity?: Identity; key?: string },
    ): Promise<boolean> {
      const args = ['verify', '--allow-http-registry'];
      if (opts.key) args.push('--key', opts.key, '--insecure-ignore-tlog=true');
      else {
        const id = opts.identity as Identity;
        args.push(
          '--trusted-root',
          stack.trustedRootPath,
          '--certificate-identity-regexp',
          id.subject,
          '--certificate-oidc-issuer-regexp',
          id.issuer,
        );
      }
      args.push(image);
      try {
        await pexec(toolPath(tool), args, { env: ENV, timeout: 120_000 });
        return true;
      } catch (err) {
        // cosign exits non-zero (1, 10, 12, …) when it does not verify.
        const e = err as { code?: unknown; stderr?: string };
        if (typeof e.code === 'number' && e.code > 0 && /Error:/.test(e.stderr ?? '')) return false;
        throw err;
      }
    }

    /** Flux's answer from its rules (what the judge must print). */
    function fluxExpects(s: Signed, idCase: string): boolean {
      if (idCase === 'right') return true;
      if (idCase === 'two identities' || idCase === 'no identities')
        return s.fluxFormat === 'cosign-v2';
      return false;
    }

    it('keyless: every signer × registry × identity case', async () => {
      const rows: string[] = [];
      for (const s of signed.filter((x) => !x.keyBased)) {
        for (const [idCase, identities] of Object.entries(IDENTITY)) {
          const judge = await fluxVerify({
            image: s.image,
            trustedRoot: stack.trustedRootPath,
            identities,
          });
          const mine = await ours(s, { identities });
          const label = `${s.signer} on ${s.registry}, ${idCase}`;
          const expected = fluxExpects(s, idCase);
          assert.equal(judge.verified, expected, `judge: ${label}: ${judge.error}`);
          assert.equal(judge.format, s.fluxFormat, `judge format: ${label}`);
          assert.equal(
            mine.verified,
            judge.verified,
            `ours vs judge: ${label}: ${mine.reason} / ${judge.error}`,
          );
          assert.equal(mine.format, judge.format, `ours format: ${label}`);
          if (mine.verified) {
            assert.equal(
              mine.identity?.subject,
              'https://github.com/org/app/.github/workflows/publish.yaml@refs/heads/main',
            );
            assert.equal(mine.identity?.issuer, 'https://token.actions.githubusercontent.com');
            assert.deepEqual(mine.warnings, []);
          }
          if (identities.length === 1) {
            // cosign 3 decides like Flux (bundles first, then .sig); cosign 2 reads only `.sig`.
            const c3 = await cosignVerify('cosign3', s.image, {
              identity: identities[0] as Identity,
            });
            assert.equal(c3, expected, `cosign3 verify: ${label}`);
            const c2 = await cosignVerify('cosign2', s.image, {
              identity: identities[0] as Identity,
            });
            const hasSig = !['ours cosign-v3', 'cosign3 sign (bundle)'].includes(s.signer);
            assert.equal(c2, expected && hasSig, `cosign2 verify: ${label}`);
          }
          rows.push(`${label}: ${judge.verified ? 'accepted' : 'rejected'} (${judge.format})`);
        }
      }
      assert.equal(rows.length, KEYLESS_SIGNERS.length * 2 * Object.keys(IDENTITY).length);
    });

    it('key: every key signer × registry, with the right and a wrong key', async () => {
      const otherDir = await mkdtemp(join(dir, 'other-'));
      await pexec(
        toolPath('cosign3'),
        ['generate-key-pair', '--output-key-prefix', join(otherDir, 'cosign')],
        {
          env: { ...ENV, COSIGN_PASSWORD: '' },
        },
      );
      const rightKey = await readFile(pubPath, 'utf8');
      const wrongKey = await readFile(join(otherDir, 'cosign.pub'), 'utf8');
      let count = 0;
      for (const s of signed.filter((x) => x.keyBased)) {
        for (const [keyCase, pem, path] of [
          ['right key', rightKey, pubPath],
          ['wrong key', wrongKey, join(otherDir, 'cosign.pub')],
        ] as const) {
          const label = `${s.signer} on ${s.registry}, ${keyCase}`;
          const judge = await fluxVerify({ image: s.image, publicKey: path });
          const mine = await ours(s, { publicKey: pem });
          const c3 = await cosignVerify('cosign3', s.image, { key: path });
          const expected = keyCase === 'right key';
          assert.equal(judge.verified, expected, `judge: ${label}: ${judge.error}`);
          assert.equal(judge.format, s.fluxFormat, `judge format: ${label}`);
          assert.equal(
            mine.verified,
            judge.verified,
            `ours vs judge: ${label}: ${mine.reason} / ${judge.error}`,
          );
          assert.equal(mine.format, judge.format, `ours format: ${label}`);
          assert.equal(c3, judge.verified, `cosign3 verify: ${label}`);
          if (s.fluxFormat === 'cosign-v2') {
            assert.equal(
              await cosignVerify('cosign2', s.image, { key: path }),
              judge.verified,
              `cosign2 verify: ${label}`,
            );
          }
          count++;
        }
      }
      assert.equal(count, KEY_SIGNERS.length * 2 * 2);
    });

    it('key: Flux accepts the cosign-v3 bundle our KeySigner writes', async () => {
      const s = signed.find((x) => x.signer === 'ours key both') as Signed;
      const judge = await fluxVerify({ image: s.image, publicKey: pubPath });
      assert.equal(judge.verified, true, judge.error);
    });

    it('a failing bundle referrer hides a valid `.sig`: Flux never falls back', async () => {
      const host = registries['tag-fallback'].host;
      const repo = 'hidden';
      const digest = await pushArtifact(host, repo);
      const c = client(host, repo);
      const signerFor = (workflowPath: string) =>
        new KeylessSigner({
          identityProvider: {
            getToken: async () =>
              oidc.issueToken({
                job_workflow_ref: `org/app/${workflowPath}@refs/heads/main`,
                workflow_ref: `org/app/${workflowPath}@refs/heads/main`,
              }),
          },
          fulcioURL: stack.fulcioURL,
          rekorURL: stack.rekorURL,
        });
      await signArtifact({
        client: c,
        digest,
        format: 'cosign-v2',
        signer: signerFor('.github/workflows/publish.yaml'),
      });
      const image = `${host}/${repo}@${digest}`;
      const before = await fluxVerify({
        image,
        trustedRoot: stack.trustedRootPath,
        identities: IDENTITY.right,
      });
      assert.deepEqual([before.verified, before.format], [true, 'cosign-v2'], before.error);
      // Another workflow attaches a bundle (as attest-build-provenance or cosign attest would).
      await signArtifact({
        client: c,
        digest,
        format: 'cosign-v3',
        signer: signerFor('.github/workflows/other.yaml'),
      });
      const judge = await fluxVerify({
        image,
        trustedRoot: stack.trustedRootPath,
        identities: IDENTITY.right,
      });
      const mine = await ours({ image, digest }, { identities: IDENTITY.right as Identity[] });
      assert.deepEqual([judge.verified, judge.format], [false, 'cosign-v3']);
      assert.deepEqual([mine.verified, mine.format], [false, 'cosign-v3']);
      assert.match(mine.reason ?? '', /other\.yaml/);
      assert.equal(
        await cosignVerify('cosign3', image, { identity: IDENTITY.right?.[0] as Identity }),
        false,
      );
      assert.equal(
        await cosignVerify('cosign2', image, { identity: IDENTITY.right?.[0] as Identity }),
        true,
      );
    });

    it('no signature at all: rejected by all, on the `.sig` path', async () => {
      for (const registry of ['referrers-api', 'tag-fallback'] as const) {
        const host = registries[registry].host;
        const digest = await pushArtifact(host, 'unsigned');
        const image = `${host}/unsigned@${digest}`;
        const judge = await fluxVerify({
          image,
          trustedRoot: stack.trustedRootPath,
          identities: IDENTITY.right,
        });
        const mine = await ours({ image, digest }, { identities: IDENTITY.right as Identity[] });
        assert.deepEqual([judge.verified, judge.format], [false, 'cosign-v2']);
        assert.deepEqual(
          [mine.verified, mine.format, mine.reason],
          [false, 'cosign-v2', 'no signatures found'],
        );
        assert.equal(
          await cosignVerify('cosign3', image, { identity: IDENTITY.right?.[0] as Identity }),
          false,
        );
        assert.equal(
          await cosignVerify('cosign2', image, { identity: IDENTITY.right?.[0] as Identity }),
          false,
        );
      }
    });

    it('tampered: a `.sig` copied from another digest is accepted by Flux (no claim check) but not by cosign', async () => {
      const host = registries['tag-fallback'].host;
      const source = signed.find(
        (s) => s.registry === 'tag-fallback' && s.signer === 'cosign2 sign',
      ) as Signed;
      const repo = (source.image.split('/')[1] as string).split('@')[0] as string;
      const victim = await pushArtifact(host, repo);
      await pexec(
        toolPath('crane'),
        [
          'copy',
          `${host}/${repo}:${cosignSignatureTag(source.digest)}`,
          `${host}/${repo}:${cosignSignatureTag(victim)}`,
        ],
        { env: ENV },
      );
      const image = `${host}/${repo}@${victim}`;
      const judge = await fluxVerify({
        image,
        trustedRoot: stack.trustedRootPath,
        identities: IDENTITY.right,
      });
      const mine = await ours(
        { image, digest: victim },
        { identities: IDENTITY.right as Identity[] },
      );
      assert.deepEqual([judge.verified, judge.format, judge.error], [true, 'cosign-v2', '']);
      assert.deepEqual([mine.verified, mine.format], [true, 'cosign-v2']);
      assert.match(mine.warnings[0] ?? '', new RegExp(`names ${source.digest}, not ${victim}`));
      assert.equal(
        await cosignVerify('cosign3', image, { identity: IDENTITY.right?.[0] as Identity }),
        false,
      );
      assert.equal(
        await cosignVerify('cosign2', image, { identity: IDENTITY.right?.[0] as Identity }),
        false,
      );
    });

    it('tampered: a bundle referrer listed for another digest is rejected (statement subject)', async () => {
      const host = registries['tag-fallback'].host;
      const source = signed.find(
        (s) => s.registry === 'tag-fallback' && s.signer === 'cosign3 sign (bundle)',
      ) as Signed;
      const repo = (source.image.split('/')[1] as string).split('@')[0] as string;
      const victim = await pushArtifact(host, repo);
      // The referrers-tag index of the signed digest, re-tagged as the victim's.
      const fallback = (d: string) => d.replace(':', '-');
      await pexec(
        toolPath('crane'),
        [
          'copy',
          `${host}/${repo}:${fallback(source.digest)}`,
          `${host}/${repo}:${fallback(victim)}`,
        ],
        {
          env: ENV,
        },
      );
      const image = `${host}/${repo}@${victim}`;
      const judge = await fluxVerify({
        image,
        trustedRoot: stack.trustedRootPath,
        identities: IDENTITY.right,
      });
      const mine = await ours(
        { image, digest: victim },
        { identities: IDENTITY.right as Identity[] },
      );
      assert.deepEqual([judge.verified, judge.format], [false, 'cosign-v3']);
      assert.deepEqual([mine.verified, mine.format], [false, 'cosign-v3']);
      assert.match(mine.reason ?? '', /digest/);
      assert.equal(
        await cosignVerify('cosign3', image, { identity: IDENTITY.right?.[0] as Identity }),
        false,
      );
    });
  },
);
