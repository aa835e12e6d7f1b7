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
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RegistryClient } from '../../src/oci/client.js';
import { parseRepository } from '../../src/oci/reference.js';
import { signArtifact } from '../../src/signing/attach.js';
import { KeySigner, loadCosignKey } from '../../src/signing/key.js';
import { KeylessSigner } from '../../src/signing/keyless.js';
import { cosignSignatureTag, referrersTag } from '../../src/signing/types.js';
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

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** Pushes a small Flux-like artifact; returns its digest. */
async function pushTestArtifact(client: RegistryClient): Promise<string> {
  const config = Buffer.from('{}');
  const layer = Buffer.from(`data-${Math.random()}`);
  await client.uploadBlob({ bytes: config }, sha(config), config.length);
  await client.uploadBlob({ bytes: layer }, sha(layer), layer.length);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: {
        mediaType: 'application/vnd.cncf.flux.config.v1+json',
        size: config.length,
        digest: sha(config),
      },
      layers: [
        {
          mediaType: 'application/vnd.cncf.flux.content.v1.tar+gzip',
          size: layer.length,
          digest: sha(layer),
        },
      ],
    }),
  );
  return client.putManifest('latest', manifest, 'application/vnd.oci.image.manifest.v1+json');
}

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
      const digest = await pushTestArtifact(client);
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
      const other = await pushTestArtifact(client);
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
    const digest = await pushTestArtifact(client);
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
      const digest2 = await pushTestArtifact(client);
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
    await assert.rejects(loadCosignKey(pem, 'wrong'), /cosign-key-password/);

    const registry = await startRegistry({ referrers: false });
    registries.push(registry);
    const client = new RegistryClient(parseRepository(`${registry.host}/org/app`));
    const digest = await pushTestArtifact(client);
    const keySigner = await KeySigner.fromPEM(pem, password);
    await signArtifact({ client, digest, format: 'cosign-v2', signer: keySigner });
    await writeFile(join(dir, 'ours.pub'), keySigner.publicKeyPEM());
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
