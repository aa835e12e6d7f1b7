/**
 * Our signatures judged by the real cosign CLIs (v2.6 reads the `.sig` image, v3 the bundle
 * referrers, falling back to `.sig`), with the loopback Sigstore stack's trusted root: accepted
 * for the right workflow and branch, rejected for a wrong workflow, a wrong branch, and a
 * signature moved to another artifact. The embedded SCT is checked (no --insecure-ignore-sct).
 * Also: keys made by `cosign generate-key-pair` load, and what we sign with them verifies with
 * `cosign verify --key`.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { failureInput, failureMessage } from '../../src/github/errors.js';
import { RegistryClient } from '../../src/oci/client.js';
import { parseRepository, referrersTagFor as referrersTag } from '../../src/oci/reference.js';
import { signArtifact } from '../../src/signing/attach.js';
import {
  readSignatureLayers,
  signatureConfig,
  signatureImage,
  simpleSigningPayload,
} from '../../src/signing/cosign-v2.js';
import { bundleReferrerManifest, signStatement } from '../../src/signing/cosign-v3.js';
import { KeySigner, loadCosignKey } from '../../src/signing/key.js';
import { KeylessSigner } from '../../src/signing/keyless.js';
import { cosignSignatureTag } from '../../src/signing/types.js';
import { pushTestArtifact } from '../harness/artifacts.js';
import {
  type FakeGitHubOIDC,
  GITHUB_OIDC_ISSUER,
  startGitHubOIDC,
} from '../harness/github-oidc.js';
import { startRegistry, type TestRegistry } from '../harness/registry.js';
import { type SigstoreStack, startSigstoreStack } from '../harness/sigstore-stack.js';
import { requireTools, toolPath } from '../harness/tools.js';

const ISSUER_RE = '^https://token\\.actions\\.githubusercontent\\.com$';
const identityRE = (workflow: string, ref: string) =>
  `^https://github\\.com/org/repo/\\.github/workflows/${workflow.replaceAll('.', '\\.')}@${ref}$`;

/** Pushes a small Flux-like artifact; returns its digest. */

interface Run {
  code: number;
  out: string;
}

describe('cosign CLIs verify our signatures', requireTools('cosign2', 'cosign3', 'go'), () => {
  let home: string;
  let oidc: FakeGitHubOIDC;
  let stack: SigstoreStack;
  const registries: TestRegistry[] = [];

  const cosign = (bin: 'cosign2' | 'cosign3', args: string[], env: Record<string, string> = {}) =>
    new Promise<Run>((resolve) => {
      execFile(
        toolPath(bin),
        args,
        {
          timeout: 60_000,
          env: {
            PATH: process.env.PATH ?? '',
            HOME: home,
            TUF_ROOT: join(home, 'tuf'),
            no_proxy: '127.0.0.1,localhost',
            NO_PROXY: '127.0.0.1,localhost',
            ...env,
          },
        },
        (err, stdout, stderr) => {
          const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
          resolve({ code, out: `${stdout}\n${stderr}` });
        },
      );
    });

  const verifyKeyless = (bin: 'cosign2' | 'cosign3', ref: string, identity: string) =>
    cosign(bin, [
      'verify',
      '--trusted-root',
      stack.trustedRootPath,
      '--rekor-url',
      stack.rekorURL,
      '--certificate-identity-regexp',
      identity,
      '--certificate-oidc-issuer-regexp',
      ISSUER_RE,
      '--allow-insecure-registry',
      '--allow-http-registry',
      ref,
    ]);

  const signer = () =>
    new KeylessSigner({
      identityProvider: { getToken: async () => oidc.issueToken() },
      fulcioURL: stack.fulcioURL,
      rekorURL: stack.rekorURL,
      retryBaseMs: 10,
    });

  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'cosign-home-'));
    oidc = await startGitHubOIDC();
    stack = await startSigstoreStack({
      trustedIssuers: [{ issuer: GITHUB_OIDC_ISSUER, publicKey: oidc.publicKey }],
    });
  });
  after(async () => {
    for (const r of registries) await r.stop();
    await stack?.stop();
    await oidc?.stop();
    await rm(home, { recursive: true, force: true });
  });

  for (const referrers of [false, true]) {
    it(`accepts the right identity and rejects wrong ones (${referrers ? 'referrers API' : 'tag fallback'})`, async () => {
      const registry = await startRegistry({ referrers });
      registries.push(registry);
      const client = new RegistryClient(parseRepository(`${registry.host}/org/app`));
      const digest = (await pushTestArtifact(client, { tag: 'latest' })).digest;
      await signArtifact({ client, digest, format: 'both', signer: signer() });
      const ref = `${registry.host}/org/app@${digest}`;
      const good = identityRE('publish.yaml', 'refs/heads/main');

      for (const bin of ['cosign2', 'cosign3'] as const) {
        const ok = await verifyKeyless(bin, ref, good);
        assert.equal(ok.code, 0, `${bin} verify: ${ok.out}`);
        // cosign v3 reads the bundle referrer (its statement type), cosign v2 the .sig payload.
        assert.match(
          ok.out,
          bin === 'cosign3'
            ? /sigstore\.dev\/cosign\/sign\/v1/
            : /cosign container image signature/,
        );
        const wrongWorkflow = await verifyKeyless(
          bin,
          ref,
          identityRE('release.yaml', 'refs/heads/main'),
        );
        assert.notEqual(wrongWorkflow.code, 0, `${bin} accepted a wrong workflow`);
        assert.match(
          wrongWorkflow.out,
          /expected identities matched|no matching CertificateIdentity/,
        );
        const wrongBranch = await verifyKeyless(
          bin,
          ref,
          identityRE('publish.yaml', 'refs/tags/v.*'),
        );
        assert.notEqual(wrongBranch.code, 0, `${bin} accepted a wrong branch`);
        assert.match(
          wrongBranch.out,
          /expected identities matched|no matching CertificateIdentity/,
        );
      }
      if (referrers) return;

      // Moving the signatures to another artifact must not make it verify.
      const other = (await pushTestArtifact(client, { tag: 'latest' })).digest;
      const sig = await client.getManifest(cosignSignatureTag(digest));
      await client.putManifest(cosignSignatureTag(other), sig.bytes, sig.mediaType);
      const index = await client.getManifest(referrersTag(digest));
      await client.putManifest(referrersTag(other), index.bytes, index.mediaType);
      const otherRef = `${registry.host}/org/app@${other}`;
      for (const bin of ['cosign2', 'cosign3'] as const) {
        const moved = await verifyKeyless(bin, otherRef, good);
        assert.notEqual(moved.code, 0, `${bin} accepted signatures of another artifact`);
        assert.match(moved.out, /digest/);
      }
    });
  }

  it('cosign v3 falls back to the .sig image when only cosign-v2 was written', async () => {
    const registry = await startRegistry({ referrers: false });
    registries.push(registry);
    const client = new RegistryClient(parseRepository(`${registry.host}/org/app`));
    const digest = (await pushTestArtifact(client, { tag: 'latest' })).digest;
    await signArtifact({ client, digest, format: 'cosign-v2', signer: signer() });
    const ref = `${registry.host}/org/app@${digest}`;
    for (const bin of ['cosign2', 'cosign3'] as const) {
      const ok = await verifyKeyless(bin, ref, identityRE('publish.yaml', 'refs/heads/main'));
      assert.equal(ok.code, 0, `${bin} verify: ${ok.out}`);
    }
    // ...and a tag-ref token signs an identity the release regexp accepts.
    oidc.setClaims({
      ref: 'refs/tags/v1.2.3',
      job_workflow_ref: 'org/repo/.github/workflows/publish.yaml@refs/tags/v1.2.3',
    });
    try {
      const digest2 = (await pushTestArtifact(client, { tag: 'latest' })).digest;
      await signArtifact({ client, digest: digest2, format: 'both', signer: signer() });
      const ok = await verifyKeyless(
        'cosign3',
        `${registry.host}/org/app@${digest2}`,
        identityRE('publish.yaml', 'refs/tags/v\\d+\\.\\d+\\.\\d+'),
      );
      assert.equal(ok.code, 0, ok.out);
    } finally {
      oidc.setClaims({});
    }
  });

  it('writes what cosign sign writes (v2 .sig image, v3 referrer manifest and statement)', async () => {
    const registry = await startRegistry({ referrers: false });
    registries.push(registry);
    const repo = `${registry.host}/org/app`;
    const client = new RegistryClient(parseRepository(repo));
    const sign = (bin: 'cosign2' | 'cosign3', digest: string, extra: string[]) =>
      cosign(
        bin,
        [
          'sign',
          '--yes',
          '--identity-token',
          oidc.issueToken(),
          '--fulcio-url',
          stack.fulcioURL,
          '--rekor-url',
          stack.rekorURL,
          ...extra,
          '--allow-insecure-registry',
          '--allow-http-registry',
          `${repo}@${digest}`,
        ],
        // cosign v2 sign checks the Fulcio certificate's SCT and chain with these.
        {
          SIGSTORE_CT_LOG_PUBLIC_KEY_FILE: join(home, 'ct.pem'),
          SIGSTORE_ROOT_FILE: join(home, 'root.pem'),
        },
      );
    const blob = async (digest: string) => {
      const chunks: Buffer[] = [];
      for await (const c of await client.fetchBlob(digest)) chunks.push(c as Buffer);
      return Buffer.concat(chunks);
    };
    await writeFile(join(home, 'ct.pem'), stack.ctLogPublicKeyPEM);
    await writeFile(join(home, 'root.pem'), stack.fulcioRootPEM);

    // cosign v2: same payload bytes, config bytes and manifest serialisation; same annotation keys.
    const d2 = (await pushTestArtifact(client, { tag: 'latest' })).digest;
    const s2 = await sign('cosign2', d2, []);
    assert.equal(s2.code, 0, s2.out);
    const theirs2 = await client.getManifest(cosignSignatureTag(d2)).catch(() => undefined);
    assert.ok(theirs2, 'cosign2 sign wrote a .sig image');
    const { layers } = await readSignatureLayers(client, cosignSignatureTag(d2));
    const layer = layers[0];
    assert.ok(layer?.annotations);
    assert.deepEqual(await blob(layer.digest), simpleSigningPayload(repo, d2));
    assert.equal(theirs2.bytes.toString(), signatureImage(layers).manifest.toString());
    const config = JSON.parse(theirs2.bytes.toString()).config.digest as string;
    assert.deepEqual(await blob(config), signatureConfig(layers));
    assert.deepEqual(Object.keys(layer.annotations), [
      'dev.cosignproject.cosign/signature',
      'dev.sigstore.cosign/bundle',
      'dev.sigstore.cosign/certificate',
      'dev.sigstore.cosign/chain',
    ]);
    assert.equal(layer.annotations['dev.sigstore.cosign/chain'], stack.fulcioRootPEM);
    // Our signature appended next to cosign's keeps it.
    await signArtifact({ client, digest: d2, format: 'cosign-v2', signer: signer() });
    const after = (await readSignatureLayers(client, cosignSignatureTag(d2))).layers;
    assert.equal(after.length, 2);
    assert.deepEqual(Object.keys(after[1]?.annotations ?? {}), Object.keys(layer.annotations));

    // cosign v3: the referrer manifest we would write for its bundle is byte-identical.
    const d3 = (await pushTestArtifact(client, { tag: 'latest' })).digest;
    const r3 = await sign('cosign3', d3, [
      '--use-signing-config=false',
      '--trusted-root',
      stack.trustedRootPath,
    ]);
    assert.equal(r3.code, 0, r3.out);
    const refs = await client.listReferrers(d3);
    assert.equal(refs.length, 1);
    const theirs3 = await client.getManifest(refs[0]?.digest ?? '');
    const m3 = JSON.parse(theirs3.bytes.toString());
    const bundle = await blob(m3.layers[0].digest);
    const subject = await client.headManifest(d3);
    assert.ok(subject);
    const ours3 = bundleReferrerManifest({
      bundle,
      subject,
      created: new Date(m3.annotations['org.opencontainers.image.created']),
    });
    assert.equal(theirs3.bytes.toString(), ours3.toString());
    const statement = JSON.parse(
      Buffer.from(JSON.parse(bundle.toString()).dsseEnvelope.payload, 'base64').toString(),
    );
    assert.deepEqual(statement, JSON.parse(signStatement(d3).toString()));
  });

  it('loads keys made by cosign generate-key-pair; cosign verify --key accepts what we sign', async () => {
    const dir = await mkdtemp(join(home, 'keys-'));
    const password = 'p@ss w0rd';
    const gen = await new Promise<Run>((resolve) => {
      execFile(
        toolPath('cosign2'),
        ['generate-key-pair', '--output-key-prefix', join(dir, 'cosign')],
        {
          env: { PATH: process.env.PATH ?? '', HOME: home, COSIGN_PASSWORD: password },
          timeout: 60_000,
        },
        (err, stdout, stderr) => resolve({ code: err ? 1 : 0, out: `${stdout}${stderr}` }),
      );
    });
    assert.equal(gen.code, 0, gen.out);
    const pem = await readFile(join(dir, 'cosign.key'), 'utf8');
    const pub = await readFile(join(dir, 'cosign.pub'), 'utf8');
    const pair = await loadCosignKey(pem, password);
    assert.equal(pair.publicKeyPEM, pub);
    await assert.rejects(
      loadCosignKey(pem, 'wrong'),
      (err: unknown) =>
        failureInput(err) === 'cosign-key-password' &&
        /`cosign-key-password` does not decrypt/.test(failureMessage(err) ?? ''),
    );

    const registry = await startRegistry({ referrers: false });
    registries.push(registry);
    const client = new RegistryClient(parseRepository(`${registry.host}/org/app`));
    const digest = (await pushTestArtifact(client, { tag: 'latest' })).digest;
    const keySigner = await KeySigner.fromPEM(pem, password);
    await signArtifact({ client, digest, format: 'cosign-v2', signer: keySigner });
    await writeFile(join(dir, 'ours.pub'), keySigner.publicKeyPEM() ?? '');
    for (const bin of ['cosign2', 'cosign3'] as const) {
      const res = await cosign(bin, [
        'verify',
        '--key',
        join(dir, 'ours.pub'),
        '--insecure-ignore-tlog',
        '--allow-insecure-registry',
        '--allow-http-registry',
        `${registry.host}/org/app@${digest}`,
      ]);
      assert.equal(res.code, 0, `${bin} verify --key: ${res.out}`);
    }
  });
});
