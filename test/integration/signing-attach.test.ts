/**
 * signArtifact against real registries (distribution without the referrers API, the Go registry
 * with it) and the loopback Sigstore stack: the `.sig` image and the bundle referrer are stored,
 * verify offline against the trusted root (SET, chain, signature; sigstore-js for the bundle),
 * survive concurrent signers, and key-signed artifacts carry the public key's signature.
 */
import assert from 'node:assert/strict';
import {
  createHash,
  createVerify,
  generateKeyPairSync,
  verify,
  X509Certificate,
} from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { bundleFromJSON } from '@sigstore/bundle';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { toSignedEntity, toTrustMaterial, Verifier } from '@sigstore/verify';
import { RegistryClient } from '../../src/oci/client.js';
import { parseRepository } from '../../src/oci/reference.js';
import { signArtifact } from '../../src/signing/attach.js';
import { readSignatureLayers } from '../../src/signing/cosign-v2.js';
import { encryptCosignKey, KeySigner } from '../../src/signing/key.js';
import { KeylessSigner } from '../../src/signing/keyless.js';
import { cosignSignatureTag, type RekorBundle } from '../../src/signing/types.js';
import { pushTestArtifact } from '../harness/artifacts.js';
import {
  type FakeGitHubOIDC,
  GITHUB_OIDC_ISSUER,
  startGitHubOIDC,
} from '../harness/github-oidc.js';
import { startRegistry, type TestRegistry } from '../harness/registry.js';
import { type SigstoreStack, startSigstoreStack } from '../harness/sigstore-stack.js';
import { requireTools } from '../harness/tools.js';

const SAN = 'https://github.com/org/repo/.github/workflows/publish.yaml@refs/heads/main';
const sha = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** Pushes a small Flux-like artifact; returns its digest. */

async function readBlob(client: RegistryClient, digest: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of await client.fetchBlob(digest)) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

for (const referrers of [false, true]) {
  describe(
    `signArtifact (${referrers ? 'referrers API' : 'referrers tag fallback'})`,
    requireTools('go'),
    () => {
      let registry: TestRegistry;
      let oidc: FakeGitHubOIDC;
      let stack: SigstoreStack;
      let verifier: Verifier;
      let client: RegistryClient;
      const signer = () =>
        new KeylessSigner({
          identityProvider: { getToken: async () => oidc.issueToken() },
          fulcioURL: stack.fulcioURL,
          rekorURL: stack.rekorURL,
          retryBaseMs: 10,
        });

      before(async () => {
        registry = await startRegistry({ referrers });
        oidc = await startGitHubOIDC();
        stack = await startSigstoreStack({
          trustedIssuers: [{ issuer: GITHUB_OIDC_ISSUER, publicKey: oidc.publicKey }],
        });
        const json = JSON.parse(await readFile(stack.trustedRootPath, 'utf8'));
        verifier = new Verifier(toTrustMaterial(TrustedRoot.fromJSON(json)), {
          tlogThreshold: 1,
          ctlogThreshold: 1,
        });
        client = new RegistryClient(parseRepository(`${registry.host}/org/app`));
      });
      after(async () => {
        await registry?.stop();
        await stack?.stop();
        await oidc?.stop();
      });

      it('stores a verifiable .sig image and bundle referrer', async () => {
        const digest = (await pushTestArtifact(client, { tag: 'latest' })).digest;
        const result = await signArtifact({ client, digest, format: 'both', signer: signer() });
        assert.deepEqual(result.formats, ['cosign-v2', 'cosign-v3']);
        assert.equal(result.certificateIdentity, SAN);
        assert.equal(result.certificateOidcIssuer, GITHUB_OIDC_ISSUER);
        assert.equal(result.publicKey, undefined);

        // cosign v2: check what cosign's VerifyBundle / verifyOCISignature check.
        const { layers } = await readSignatureLayers(client, cosignSignatureTag(digest));
        assert.equal(layers.length, 1);
        const layer = layers[0];
        assert.ok(layer?.annotations);
        const payload = await readBlob(client, layer.digest);
        const claim = JSON.parse(payload.toString());
        assert.equal(claim.critical.image['docker-manifest-digest'], digest);
        assert.equal(claim.critical.identity['docker-reference'], `${registry.host}/org/app`);
        const certPEM = layer.annotations['dev.sigstore.cosign/certificate'] ?? '';
        const cert = new X509Certificate(certPEM);
        assert.equal(cert.subjectAltName, `URI:${SAN}`);
        assert.ok(
          cert.verify(new X509Certificate(stack.fulcioRootPEM).publicKey),
          'leaf chains to the trusted root',
        );
        assert.equal(layer.annotations['dev.sigstore.cosign/chain'], stack.fulcioRootPEM);
        const sigB64 = layer.annotations['dev.cosignproject.cosign/signature'] ?? '';
        assert.ok(verify('sha256', payload, cert.publicKey, Buffer.from(sigB64, 'base64')));
        const rekor = JSON.parse(
          layer.annotations['dev.sigstore.cosign/bundle'] ?? '',
        ) as RekorBundle;
        const body = JSON.parse(Buffer.from(rekor.Payload.body, 'base64').toString());
        assert.equal(body.spec.signature.content, sigB64);
        assert.equal(body.spec.data.hash.value, sha(payload).slice(7));
        assert.equal(
          new X509Certificate(Buffer.from(body.spec.signature.publicKey.content, 'base64'))
            .fingerprint256,
          cert.fingerprint256,
        );
        const canonical = JSON.stringify({
          body: rekor.Payload.body,
          integratedTime: rekor.Payload.integratedTime,
          logID: rekor.Payload.logID,
          logIndex: rekor.Payload.logIndex,
        });
        assert.ok(
          createVerify('sha256')
            .update(canonical)
            .verify(stack.rekorPublicKeyPEM, Buffer.from(rekor.SignedEntryTimestamp, 'base64')),
          'SET verifies',
        );

        // cosign v3: one referrer, a v0.3 DSSE bundle over the statement for this digest.
        const refs = await client.listReferrers(digest);
        assert.equal(refs.length, 1);
        const ref = refs[0];
        assert.ok(ref);
        const manifest = JSON.parse((await client.getManifest(ref.digest)).bytes.toString());
        assert.equal(manifest.artifactType, 'application/vnd.dev.sigstore.bundle.v0.3+json');
        assert.equal(manifest.subject.digest, digest);
        assert.equal(manifest.layers.length, 1);
        const bundle = JSON.parse((await readBlob(client, manifest.layers[0].digest)).toString());
        const statement = JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, 'base64').toString());
        assert.equal(`sha256:${statement.subject[0].digest.sha256}`, digest);
        verifier.verify(toSignedEntity(bundleFromJSON(bundle)), {
          subjectAlternativeName: SAN,
          extensions: { issuer: GITHUB_OIDC_ISSUER },
        });
        if (!referrers) {
          const index = JSON.parse(
            (await client.getManifest(`sha256-${digest.slice(7)}`)).bytes.toString(),
          );
          assert.equal(index.manifests.length, 1);
        }
      });

      it('keeps every signature when signers sign the same digest concurrently', async () => {
        const digest = (await pushTestArtifact(client, { tag: 'latest' })).digest;
        const clients = [0, 1, 2].map(
          () => new RegistryClient(parseRepository(`${registry.host}/org/app`)),
        );
        await Promise.all(
          clients.map((c) => signArtifact({ client: c, digest, format: 'both', signer: signer() })),
        );
        const { layers } = await readSignatureLayers(client, cosignSignatureTag(digest));
        assert.equal(layers.length, 3, '.sig keeps the three signatures');
        assert.equal(
          new Set(layers.map((l) => l.annotations?.['dev.cosignproject.cosign/signature'])).size,
          3,
        );
        const refs = await client.listReferrers(digest);
        assert.equal(refs.length, 3, 'three bundle referrers');
        // Signing again with the cosign-v2 format only appends one more.
        await signArtifact({ client, digest, format: 'cosign-v2', signer: signer() });
        assert.equal(
          (await readSignatureLayers(client, cosignSignatureTag(digest))).layers.length,
          4,
        );
        assert.equal((await client.listReferrers(digest)).length, 3);
      });

      it('signs with a cosign key: signature verifies with the public key', async () => {
        const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
        const keySigner = await KeySigner.fromPEM(await encryptCosignKey(privateKey, 'pw'), 'pw');
        const digest = (await pushTestArtifact(client, { tag: 'latest' })).digest;
        const result = await signArtifact({
          client,
          digest,
          format: 'cosign-v2',
          signer: keySigner,
        });
        assert.equal(result.certificateIdentity, undefined);
        assert.match(result.publicKey ?? '', /BEGIN PUBLIC KEY/);
        const { layers } = await readSignatureLayers(client, cosignSignatureTag(digest));
        const layer = layers[0];
        assert.ok(layer?.annotations);
        assert.equal(layer.annotations['dev.sigstore.cosign/certificate'], undefined);
        const payload = await readBlob(client, layer.digest);
        const sig = Buffer.from(
          layer.annotations['dev.cosignproject.cosign/signature'] ?? '',
          'base64',
        );
        assert.ok(verify('sha256', payload, result.publicKey ?? '', sig));
      });
    },
  );
}
