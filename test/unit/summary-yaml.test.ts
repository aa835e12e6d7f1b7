// The summary's OCIRepository is rendered while publish's signature settles (from what the
// signature will report) and taken from there when the step writes its summary; anything that
// changes what it shows renders it again.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ociRepositoryYaml } from '../../src/github/ocirepository-yaml.js';
import { expectedSigned, type SigningSetup } from '../../src/github/signing.js';
import type { ArtifactSigner } from '../../src/signing/signer.js';

const ISSUER = 'https://token.actions.githubusercontent.com';
const SUBJECT = 'https://github.com/org/app/.github/workflows/publish.yaml@refs/heads/main';

function setup(identity: { certificateIdentity: string; certificateOidcIssuer: string }) {
  const signer = {
    kind: 'keyless',
    identity: () => identity,
    publicKeyPEM: () => undefined,
  } as unknown as ArtifactSigner;
  return {
    format: 'both',
    signer,
    keyless: true,
    privateSigstore: {},
    services: { keyless: true, fulcioURL: 'http://127.0.0.1:1', rekorURL: 'http://127.0.0.1:1' },
  } as SigningSetup;
}

describe('summary OCIRepository rendered while the signature settles', () => {
  it('the stored signature reporting the same identity takes the early rendering', async () => {
    const identity = { certificateIdentity: SUBJECT, certificateOidcIssuer: ISSUER };
    const early = ociRepositoryYaml('ghcr.io/org/app', 'latest', expectedSigned(setup(identity)));
    // What signDigest returns: signArtifact's result, plus the private Sigstore and the bundle.
    const stored = {
      formats: ['cosign-v2', 'cosign-v3'] as ('cosign-v2' | 'cosign-v3')[],
      ...identity,
      privateSigstore: {},
      bundlePath: '/tmp/x/bundle.json',
      cosignV2: { tag: 'sha256-x.sig', manifestDigest: 'sha256:1', layer: {} as never },
    };
    assert.equal(ociRepositoryYaml('ghcr.io/org/app', 'latest', stored), early);
    const yaml = await early;
    assert.ok(yaml.includes('workflows/publish\\.yaml@refs/heads/main'), yaml);
    assert.ok(yaml.includes('trustedRootSecretRef'), yaml);
  });

  it('another identity, tag or Sigstore renders it again', async () => {
    const identity = { certificateIdentity: SUBJECT, certificateOidcIssuer: ISSUER };
    const early = ociRepositoryYaml('ghcr.io/org/app', 'latest', expectedSigned(setup(identity)));
    const other = `${SUBJECT.replace('main', 'release')}`;
    const moved = ociRepositoryYaml('ghcr.io/org/app', 'latest', {
      ...expectedSigned(setup(identity)),
      certificateIdentity: other,
    });
    assert.notEqual(moved, early);
    assert.ok((await moved).includes('refs/heads/release'));
    const retagged = ociRepositoryYaml('ghcr.io/org/app', 'v1', expectedSigned(setup(identity)));
    assert.match(await retagged, /tag: v1/);
    const { privateSigstore: _, ...publicSigstore } = expectedSigned(setup(identity));
    assert.doesNotMatch(
      await ociRepositoryYaml('ghcr.io/org/app', 'v1', publicSigstore),
      /trustedRootSecretRef/,
    );
  });
});
