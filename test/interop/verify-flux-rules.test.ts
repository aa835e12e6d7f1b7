// Verification interop, table-driven: for every signature (made by our signer, by `cosign sign`
// v2 and v3, keyless against the loopback Sigstore stack and with a cosign key pair; on a
// registry with and one without the referrers API; artifacts pushed by the real `flux push
// artifact`) and every identity case, Flux's real verifiers (source-controller v1.9.1 and
// v1.10.1's internal/oci/cosign, test/tools/fluxjudge) and our verifier must give the same
// answer, and that answer must be the one Flux's rules give. `cosign verify` (v2.6.1 and v3.0.6)
// is asked too; where the CLI's rules differ from Flux's (noted per row) its answer is pinned
// separately. The one deliberate difference of ours: a `.sig` copied from another digest, which
// Flux accepts, fails unless copiedSignature is `warn`. The case counts per verifier and every
// disagreement are printed at the end.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { RegistryClient } from '../../src/oci/client.js';
import { parseRepository } from '../../src/oci/reference.js';
import { signArtifact } from '../../src/signing/attach.js';
import { KeySigner } from '../../src/signing/key.js';
import { KeylessSigner } from '../../src/signing/keyless.js';
import { cosignSignatureTag } from '../../src/signing/types.js';
import {
  type CopiedSignaturePolicy,
  type VerifyResult,
  verifyArtifact,
} from '../../src/signing/verify/index.js';
import {
  describeJudges,
  FLUX_LINES,
  type FluxJudgeOptions,
  type FluxJudgeResult,
  type FluxLine,
  fluxJudges,
  JUDGE_TOOLS,
} from '../harness/fluxjudge.js';
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
  'verification: our verifier, Flux v1.9.1 and v1.10.1 (their own code) and cosign agree',
  requireTools('flux', 'crane', 'cosign2', 'cosign3', ...JUDGE_TOOLS),
  () => {
    /** Cases asked of each verifier, and where verifiers disagree (printed at the end). */
    const counts: Record<string, number> = {};
    const disagreements = new Set<string>();
    const count = (verifier: string) => {
      counts[verifier] = (counts[verifier] ?? 0) + 1;
    };

    /**
     * Both real Flux verifiers, each asserted against the verdict (and format) Flux's rules give;
     * returns their (equal) answer.
     */
    async function judges(
      label: string,
      opts: FluxJudgeOptions,
      expected: boolean,
      format?: 'cosign-v3' | 'cosign-v2',
    ): Promise<FluxJudgeResult> {
      const r = await fluxJudges(opts);
      for (const line of FLUX_LINES) {
        const j = r[line as FluxLine];
        count(`flux source-controller ${j.sourceController}`);
        assert.equal(j.verified, expected, `flux ${line}: ${label}: ${j.error}`);
        if (format) assert.equal(j.format, format, `flux ${line} format: ${label}`);
      }
      return r['1.10'];
    }

    /** `cosign verify`'s answer, pinned; a difference from Flux's is recorded with its reason. */
    function cosignSays(tool: string, label: string, got: boolean, flux: boolean, why?: string) {
      count(`${tool} verify`);
      if (got !== flux)
        disagreements.add(
          `${tool} verify ${got ? 'accepts' : 'rejects'}, Flux ${flux ? 'accepts' : 'rejects'}: ${label}${why ? ` (${why})` : ''}`,
        );
    }
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
      await describeJudges();
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
      const lines = Object.entries(counts).map(([v, n]) => `  ${v}: ${n} cases`);
      process.stdout.write(
        `verification cases per verifier:\n${lines.join('\n')}\ndisagreements (${disagreements.size}):\n${[...disagreements].map((d) => `  ${d}`).join('\n')}\n`,
      );
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
      opts: {
        identities?: Identity[];
        publicKeys?: string[];
        copiedSignature?: CopiedSignaturePolicy;
      },
    ): Promise<VerifyResult> {
      const [host, rest] = [s.image.split('/')[0] as string, s.image.split('/')[1] as string];
      const repo = rest.split('@')[0] as string;
      count('our verify');
      const r = await verifyArtifact({
        client: client(host, repo),
        digest: s.digest,
        trustedRoot: stack.trustedRoot as unknown as Record<string, unknown>,
        ...(opts.publicKeys
          ? { publicKeys: opts.publicKeys }
          : { identities: opts.identities ?? [] }),
        ...(opts.copiedSignature ? { copiedSignature: opts.copiedSignature } : {}),
      });
      // Ours differs from Flux only on a copied `.sig` (deliberately stricter).
      assert.equal(
        r.fluxVerified !== r.verified,
        r.rule === 'cosign-v2-sig-copied' && opts.copiedSignature !== 'warn',
      );
      return r;
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

    /** Flux's answer from its rules (what both real verifiers must print). */
    function fluxExpects(s: Signed, idCase: string): boolean {
      if (idCase === 'right') return true;
      if (idCase === 'two identities' || idCase === 'no identities')
        return s.fluxFormat === 'cosign-v2';
      return false;
    }

    const right = () => IDENTITY.right?.[0] as Identity;

    it('keyless: every signer × registry × identity case', async () => {
      const rows: string[] = [];
      for (const s of signed.filter((x) => !x.keyBased)) {
        for (const [idCase, identities] of Object.entries(IDENTITY)) {
          const label = `${s.signer} on ${s.registry}, ${idCase}`;
          const expected = fluxExpects(s, idCase);
          const judge = await judges(
            label,
            { image: s.image, trustedRoot: stack.trustedRootPath, identities },
            expected,
            s.fluxFormat,
          );
          const mine = await ours(s, { identities });
          assert.equal(
            mine.verified,
            judge.verified,
            `ours vs Flux: ${label}: ${mine.reason} / ${judge.error}`,
          );
          assert.equal(mine.format, judge.format, `ours format: ${label}`);
          assert.equal(
            mine.rule,
            s.fluxFormat === 'cosign-v3' ? 'cosign-v3-bundle' : 'cosign-v2-sig',
            label,
          );
          if (mine.verified) {
            assert.equal(
              mine.identity?.subject,
              'https://github.com/org/app/.github/workflows/publish.yaml@refs/heads/main',
            );
            assert.equal(mine.identity?.issuer, 'https://token.actions.githubusercontent.com');
            assert.deepEqual(mine.warnings, []);
          }
          if (idCase === 'two identities' && s.fluxFormat === 'cosign-v3') {
            // Flux's reason, and the one entry that works instead: both Flux lines accept it.
            assert.match(mine.reason ?? '', /multiple identities are not supported/);
            const single = mine.singleIdentity as Identity;
            assert.deepEqual(single, {
              issuer: ISSUER,
              subject:
                '(?:release\\.yaml)|(?:^https://github\\.com/org/app/\\.github/workflows/publish\\.yaml@refs/heads/main$)',
            });
            await judges(
              `${label}, single alternation entry`,
              { image: s.image, trustedRoot: stack.trustedRootPath, identities: [single] },
              true,
              'cosign-v3',
            );
            assert.equal((await ours(s, { identities: [single] })).verified, true);
          }
          if (identities.length === 1) {
            // cosign 3 decides like Flux (bundles first, then .sig); cosign 2 reads only `.sig`.
            const c3 = await cosignVerify('cosign3', s.image, {
              identity: identities[0] as Identity,
            });
            assert.equal(c3, expected, `cosign3 verify: ${label}`);
            cosignSays('cosign3', label, c3, expected);
            const c2 = await cosignVerify('cosign2', s.image, {
              identity: identities[0] as Identity,
            });
            const hasSig = !['ours cosign-v3', 'cosign3 sign (bundle)'].includes(s.signer);
            assert.equal(c2, expected && hasSig, `cosign2 verify: ${label}`);
            cosignSays('cosign2', label, c2, expected, 'cosign 2 reads no bundles');
          }
          rows.push(`${label}: ${judge.verified ? 'accepted' : 'rejected'} (${judge.format})`);
        }
      }
      assert.equal(rows.length, KEYLESS_SIGNERS.length * 2 * Object.keys(IDENTITY).length);
    });

    it('key: every key signer × registry, with the right, a wrong, and several keys', async () => {
      const otherDir = await mkdtemp(join(dir, 'other-'));
      const thirdDir = await mkdtemp(join(dir, 'third-'));
      for (const d of [otherDir, thirdDir]) {
        await pexec(
          toolPath('cosign3'),
          ['generate-key-pair', '--output-key-prefix', join(d, 'cosign')],
          {
            env: { ...ENV, COSIGN_PASSWORD: '' },
          },
        );
      }
      // A Secret's entries are named; the judges take the file names as the `*.pub` keys.
      const wrongPath = join(otherDir, 'wrong.pub');
      const wrong2Path = join(thirdDir, 'wrong2.pub');
      await writeFile(wrongPath, await readFile(join(otherDir, 'cosign.pub')));
      await writeFile(wrong2Path, await readFile(join(thirdDir, 'cosign.pub')));
      const pem = (p: string) => readFile(p, 'utf8');
      let n = 0;
      for (const s of signed.filter((x) => x.keyBased)) {
        for (const [keyCase, paths] of [
          ['right key', [pubPath]],
          ['wrong key', [wrongPath]],
          ['a wrong and the right key', [wrongPath, pubPath]],
          ['two wrong keys', [wrongPath, wrong2Path]],
        ] as const) {
          const label = `${s.signer} on ${s.registry}, ${keyCase}`;
          const expected = (paths as readonly string[]).includes(pubPath);
          const judge = await judges(
            label,
            { image: s.image, publicKeys: paths },
            expected,
            s.fluxFormat,
          );
          const mine = await ours(s, { publicKeys: await Promise.all(paths.map(pem)) });
          assert.equal(
            mine.verified,
            judge.verified,
            `ours vs Flux: ${label}: ${mine.reason} / ${judge.error}`,
          );
          assert.equal(mine.format, judge.format, `ours format: ${label}`);
          if (keyCase === 'two wrong keys') {
            // Each key's failure is reported.
            assert.match(mine.reason ?? '', /key #1: .+; key #2: .+/);
          }
          if (paths.length === 1) {
            const c3 = await cosignVerify('cosign3', s.image, { key: paths[0] });
            assert.equal(c3, judge.verified, `cosign3 verify: ${label}`);
            cosignSays('cosign3', label, c3, expected);
            if (s.fluxFormat === 'cosign-v2') {
              const c2 = await cosignVerify('cosign2', s.image, { key: paths[0] });
              assert.equal(c2, judge.verified, `cosign2 verify: ${label}`);
              cosignSays('cosign2', label, c2, expected);
            }
          }
          n++;
        }
      }
      assert.equal(n, KEY_SIGNERS.length * 2 * 4);
    });

    it('a failing bundle referrer hides a valid `.sig`: Flux never falls back', async () => {
      const host = registries['tag-fallback'].host;
      const repo = 'hidden';
      const digest = await pushArtifact(host, repo);
      const c = client(host, repo);
      await signArtifact({
        client: c,
        digest,
        format: 'cosign-v2',
        signer: signerFor('publish.yaml'),
      });
      const image = `${host}/${repo}@${digest}`;
      const opts = { image, trustedRoot: stack.trustedRootPath, identities: IDENTITY.right };
      await judges('.sig only', opts, true, 'cosign-v2');
      // Another workflow attaches a bundle (as attest-build-provenance or cosign attest would).
      await signArtifact({
        client: c,
        digest,
        format: 'cosign-v3',
        signer: signerFor('other.yaml'),
      });
      await judges('.sig hidden by a bundle', opts, false, 'cosign-v3');
      const mine = await ours({ image, digest }, { identities: IDENTITY.right as Identity[] });
      assert.deepEqual([mine.verified, mine.format], [false, 'cosign-v3']);
      assert.match(mine.reason ?? '', /other\.yaml/);
      const c3 = await cosignVerify('cosign3', image, { identity: right() });
      assert.equal(c3, false);
      cosignSays('cosign3', '.sig hidden by a bundle', c3, false);
      const c2 = await cosignVerify('cosign2', image, { identity: right() });
      assert.equal(c2, true);
      cosignSays('cosign2', '.sig hidden by a bundle', c2, false, 'cosign 2 reads no bundles');
    });

    /** Our keyless signer with a GitHub token for `.github/workflows/<file>` at `ref`. */
    function signerFor(file: string, ref = 'refs/heads/main'): KeylessSigner {
      return new KeylessSigner({
        identityProvider: {
          getToken: async () =>
            oidc.issueToken({
              job_workflow_ref: `org/app/.github/workflows/${file}@${ref}`,
              workflow_ref: `org/app/.github/workflows/${file}@${ref}`,
              ref,
            }),
        },
        fulcioURL: stack.fulcioURL,
        rekorURL: stack.rekorURL,
      });
    }

    it('no signature at all: rejected by all, on the `.sig` path', async () => {
      for (const registry of ['referrers-api', 'tag-fallback'] as const) {
        const host = registries[registry].host;
        const digest = await pushArtifact(host, 'unsigned');
        const image = `${host}/unsigned@${digest}`;
        const label = `unsigned on ${registry}`;
        await judges(
          label,
          { image, trustedRoot: stack.trustedRootPath, identities: IDENTITY.right },
          false,
          'cosign-v2',
        );
        const mine = await ours({ image, digest }, { identities: IDENTITY.right as Identity[] });
        assert.deepEqual(
          [mine.verified, mine.format, mine.reason],
          [false, 'cosign-v2', 'no signatures found'],
        );
        for (const tool of ['cosign3', 'cosign2'] as const) {
          const c = await cosignVerify(tool, image, { identity: right() });
          assert.equal(c, false);
          cosignSays(tool, label, c, false);
        }
      }
    });

    it('a re-pointed tag: Flux verifies the digest the tag names now, which is unsigned', async () => {
      for (const registry of ['referrers-api', 'tag-fallback'] as const) {
        const host = registries[registry].host;
        const repo = `repointed-${registry}`;
        const signedDigest = await pushArtifact(host, repo);
        await signArtifact({
          client: client(host, repo),
          digest: signedDigest,
          format: 'both',
          signer: signerFor('publish.yaml'),
        });
        const opts = { trustedRoot: stack.trustedRootPath, identities: IDENTITY.right };
        await judges(
          `signed tag on ${registry}`,
          { image: `${host}/${repo}:latest`, ...opts },
          true,
          'cosign-v3',
        );
        // Someone with push access moves `latest` to another artifact.
        const other = await pushArtifact(host, repo);
        const label = `re-pointed tag on ${registry}`;
        const judge = await judges(
          label,
          { image: `${host}/${repo}:latest`, ...opts },
          false,
          'cosign-v2',
        );
        assert.equal(judge.digest, other);
        const now = (await client(host, repo).getManifest('latest')).digest;
        assert.equal(now, other);
        const mine = await ours(
          { image: `${host}/${repo}@${now}`, digest: now },
          { identities: IDENTITY.right as Identity[] },
        );
        assert.deepEqual([mine.verified, mine.format], [false, 'cosign-v2']);
        for (const tool of ['cosign3', 'cosign2'] as const) {
          const c = await cosignVerify(tool, `${host}/${repo}:latest`, { identity: right() });
          assert.equal(c, false);
          cosignSays(tool, label, c, false);
        }
      }
    });

    it('release re-sign: a second bundle by the release workflow; each identity alone verifies, two entries do not', async () => {
      const host = registries['referrers-api'].host;
      const repo = 'released';
      const digest = await pushArtifact(host, repo);
      const c = client(host, repo);
      await signArtifact({
        client: c,
        digest,
        format: 'cosign-v3',
        signer: signerFor('publish.yaml'),
      });
      await signArtifact({
        client: c,
        digest,
        format: 'cosign-v3',
        signer: signerFor('release.yaml', 'refs/tags/v1.0.0'),
      });
      const image = `${host}/${repo}@${digest}`;
      const release = {
        issuer: ISSUER,
        subject:
          '^https://github\\.com/org/app/\\.github/workflows/release\\.yaml@refs/tags/v1\\.0\\.0$',
      };
      for (const [label, identities, expected] of [
        ['release re-sign, publish identity', [right()], true],
        ['release re-sign, release identity', [release], true],
        ['release re-sign, both identities', [right(), release], false],
      ] as const) {
        await judges(
          label,
          { image, trustedRoot: stack.trustedRootPath, identities },
          expected,
          'cosign-v3',
        );
        const mine = await ours({ image, digest }, { identities: [...identities] });
        assert.equal(mine.verified, expected, `${label}: ${mine.reason}`);
        if (identities.length === 1) {
          const c3 = await cosignVerify('cosign3', image, { identity: identities[0] as Identity });
          assert.equal(c3, expected, label);
          cosignSays('cosign3', label, c3, expected);
        } else {
          // The single entry shown in the message: publish or release workflow.
          const single = mine.singleIdentity as Identity;
          assert.equal(
            single.subject,
            '^(?:https://github\\.com/org/app/\\.github/workflows/publish\\.yaml@refs/heads/main|https://github\\.com/org/app/\\.github/workflows/release\\.yaml@refs/tags/v1\\.0\\.0)$',
          );
          assert.equal(single.issuer, ISSUER);
          assert.match(mine.reason ?? '', /which verifies this artifact/);
          await judges(
            `${label}, single alternation entry`,
            { image, trustedRoot: stack.trustedRootPath, identities: [single] },
            true,
            'cosign-v3',
          );
        }
      }
    });

    it('tampered: a `.sig` copied from another digest: Flux accepts it, cosign and our verify do not', async () => {
      for (const [registry, signerName] of [
        ['tag-fallback', 'cosign2 sign'],
        ['referrers-api', 'ours cosign-v2'],
        ['tag-fallback', 'ours key cosign-v2'],
      ] as const) {
        const host = registries[registry].host;
        const source = signed.find(
          (s) => s.registry === registry && s.signer === signerName,
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
        const label = `${signerName} .sig copied to another digest on ${registry}`;
        const key = source.keyBased;
        const judge = await judges(
          label,
          key
            ? { image, publicKeys: [pubPath] }
            : { image, trustedRoot: stack.trustedRootPath, identities: IDENTITY.right },
          true,
          'cosign-v2',
        );
        assert.equal(judge.error, '');
        const how = key
          ? { publicKeys: [await readFile(pubPath, 'utf8')] }
          : { identities: IDENTITY.right as Identity[] };
        // Ours: fails by default, with a message saying Flux would accept it and why not to trust it.
        const mine = await ours({ image, digest: victim }, how);
        assert.deepEqual(
          [mine.verified, mine.fluxVerified, mine.format, mine.rule],
          [false, true, 'cosign-v2', 'cosign-v2-sig-copied'],
        );
        assert.match(
          mine.reason ?? '',
          new RegExp(`names ${source.digest}, not ${victim}; Flux would accept it`),
        );
        assert.match(mine.reason ?? '', /must not be trusted/);
        assert.doesNotMatch(mine.reason ?? '', /\n/);
        disagreements.add(
          `our verify rejects, Flux accepts: ${label} (deliberate: the payload names another digest; copied-signature: warn gives Flux's answer)`,
        );
        // copied-signature: warn gives exactly Flux's answer, with the message as a warning.
        const warn = await ours({ image, digest: victim }, { ...how, copiedSignature: 'warn' });
        assert.deepEqual([warn.verified, warn.rule], [true, 'cosign-v2-sig-copied']);
        assert.match(warn.warnings[0] ?? '', /Flux would accept it/);
        for (const tool of ['cosign3', 'cosign2'] as const) {
          const c = await cosignVerify(tool, image, key ? { key: pubPath } : { identity: right() });
          assert.equal(c, false, `${tool}: ${label}`);
          cosignSays(
            tool,
            label,
            c,
            true,
            'cosign checks the payload digest claim: "invalid or missing digest in claim"',
          );
        }
      }
    });

    it('tampered: a bundle referrer listed for another digest is rejected (statement subject)', async () => {
      // Distribution: the referrers-tag index of the signed digest, re-tagged as the victim's.
      {
        const host = registries['tag-fallback'].host;
        const source = signed.find(
          (s) => s.registry === 'tag-fallback' && s.signer === 'cosign3 sign (bundle)',
        ) as Signed;
        const repo = (source.image.split('/')[1] as string).split('@')[0] as string;
        const victim = await pushArtifact(host, repo);
        const fallback = (d: string) => d.replace(':', '-');
        await pexec(
          toolPath('crane'),
          [
            'copy',
            `${host}/${repo}:${fallback(source.digest)}`,
            `${host}/${repo}:${fallback(victim)}`,
          ],
          { env: ENV },
        );
        await tamperedBundle(
          `bundle index re-tagged for another digest on tag-fallback`,
          `${host}/${repo}@${victim}`,
          victim,
        );
      }
      // Both registries: the bundle manifest re-pushed with the victim as its subject (the
      // referrers API indexes it; on distribution putReferrer adds it to the referrers tag).
      for (const registry of ['referrers-api', 'tag-fallback'] as const) {
        const host = registries[registry].host;
        const source = signed.find(
          (s) => s.registry === registry && s.signer === 'ours cosign-v3',
        ) as Signed;
        const repo = (source.image.split('/')[1] as string).split('@')[0] as string;
        const victim = await pushArtifact(host, repo);
        const c = client(host, repo);
        const victimManifest = await c.getManifest(victim);
        const [bundleDesc] = await c.listReferrers(source.digest);
        const bundle = await c.getManifest((bundleDesc as { digest: string }).digest);
        const manifest = JSON.parse(Buffer.from(bundle.bytes).toString('utf8')) as Record<
          string,
          unknown
        >;
        manifest.subject = {
          mediaType: victimManifest.mediaType,
          digest: victim,
          size: victimManifest.bytes.byteLength,
        };
        await c.putReferrer(Buffer.from(JSON.stringify(manifest)));
        assert.equal(
          (await c.listReferrers(victim)).length,
          1,
          `${registry} lists it for the victim`,
        );
        await tamperedBundle(
          `bundle re-pushed with another subject on ${registry}`,
          `${host}/${repo}@${victim}`,
          victim,
        );
      }
    });

    async function tamperedBundle(label: string, image: string, victim: string): Promise<void> {
      await judges(
        label,
        { image, trustedRoot: stack.trustedRootPath, identities: IDENTITY.right },
        false,
        'cosign-v3',
      );
      const mine = await ours(
        { image, digest: victim },
        { identities: IDENTITY.right as Identity[] },
      );
      assert.deepEqual([mine.verified, mine.format], [false, 'cosign-v3']);
      assert.match(mine.reason ?? '', /digest/);
      const c3 = await cosignVerify('cosign3', image, { identity: right() });
      assert.equal(c3, false);
      cosignSays('cosign3', label, c3, false);
    }
  },
);
