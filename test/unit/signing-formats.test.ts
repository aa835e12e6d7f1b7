/** Byte shapes of the cosign v2 `.sig` image and the cosign v3 bundle referrer. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import type { SerializedBundle } from '@sigstore/bundle';
import { referrersTagFor } from '../../src/oci/reference.js';
import {
  appendSignature,
  rekorBundleAnnotation,
  signatureConfig,
  signatureImage,
  signatureLayer,
  simpleSigningPayload,
} from '../../src/signing/cosign-v2.js';
import { bundleReferrerManifest, rfc3339, signStatement } from '../../src/signing/cosign-v3.js';
import type { MessageSignature } from '../../src/signing/signer.js';
import { cosignSignatureTag } from '../../src/signing/types.js';
import { goJSON } from '../../src/util/go-json.js';

const HEX = 'ab'.repeat(32);
const DIGEST = `sha256:${HEX}`;
const sha = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

function fakeSignature(withTSA = false): MessageSignature {
  const logId = Buffer.from('11'.repeat(32), 'hex').toString('base64');
  const bundle = {
    mediaType: 'application/vnd.dev.sigstore.bundle+json;version=0.2',
    verificationMaterial: {
      x509CertificateChain: { certificates: [{ rawBytes: 'AAAA' }] },
      tlogEntries: [
        {
          logIndex: '123456789',
          logId: { keyId: logId },
          kindVersion: { kind: 'hashedrekord', version: '0.0.1' },
          integratedTime: '1700000000',
          inclusionPromise: { signedEntryTimestamp: 'U0VU' },
          canonicalizedBody: 'Ym9keQ==',
        },
      ],
      timestampVerificationData: withTSA
        ? { rfc3161Timestamps: [{ signedTimestamp: 'VFNB' }] }
        : {},
    },
    messageSignature: {
      messageDigest: { algorithm: 'SHA2_256', digest: 'ZA==' },
      signature: 'c2ln',
    },
  } as unknown as SerializedBundle;
  return {
    bundle,
    signature: Buffer.from('sig'),
    certificatePEM: '-----BEGIN CERTIFICATE-----\nLEAF\n-----END CERTIFICATE-----\n',
    chainPEM: [
      '-----BEGIN CERTIFICATE-----\nINT\n-----END CERTIFICATE-----\n',
      '-----BEGIN CERTIFICATE-----\nROOT\n-----END CERTIFICATE-----\n',
    ],
  };
}

describe('tags', () => {
  it('derives the .sig and referrers tags from a digest', () => {
    assert.equal(cosignSignatureTag(DIGEST), `sha256-${HEX}.sig`);
    assert.equal(referrersTagFor(DIGEST), `sha256-${HEX}`);
    assert.throws(() => cosignSignatureTag('latest'));
  });
});

describe('cosign v2 format', () => {
  it('writes the simple-signing payload exactly as cosign (Go struct order, optional null)', () => {
    assert.equal(
      simpleSigningPayload('ghcr.io/org/repo', DIGEST).toString(),
      `{"critical":{"identity":{"docker-reference":"ghcr.io/org/repo"},"image":{"docker-manifest-digest":"${DIGEST}"},"type":"cosign container image signature"},"optional":null}`,
    );
    assert.equal(
      simpleSigningPayload('ghcr.io/org/repo', DIGEST, { sha: 'abc', env: 'a<b' }).toString(),
      `{"critical":{"identity":{"docker-reference":"ghcr.io/org/repo"},"image":{"docker-manifest-digest":"${DIGEST}"},"type":"cosign container image signature"},"optional":{"env":"a\\u003cb","sha":"abc"}}`,
    );
  });

  it('writes the Rekor bundle annotation as cosign.RekorBundle marshals', () => {
    assert.equal(
      rekorBundleAnnotation(fakeSignature().bundle),
      `{"SignedEntryTimestamp":"U0VU","Payload":{"body":"Ym9keQ==","integratedTime":1700000000,"logIndex":123456789,"logID":"${'11'.repeat(32)}"}}`,
    );
  });

  it('annotates the layer with signature, certificate, chain, bundle (sorted keys) and timestamp', () => {
    const payload = simpleSigningPayload('ghcr.io/org/repo', DIGEST);
    const layer = signatureLayer(payload, fakeSignature(true));
    assert.equal(layer.mediaType, 'application/vnd.dev.cosign.simplesigning.v1+json');
    assert.equal(layer.digest, sha(payload));
    assert.equal(layer.size, payload.length);
    assert.deepEqual(Object.keys(layer.annotations ?? {}), [
      'dev.cosignproject.cosign/signature',
      'dev.sigstore.cosign/bundle',
      'dev.sigstore.cosign/certificate',
      'dev.sigstore.cosign/chain',
      'dev.sigstore.cosign/rfc3161timestamp',
    ]);
    assert.equal(
      layer.annotations?.['dev.cosignproject.cosign/signature'],
      Buffer.from('sig').toString('base64'),
    );
    assert.equal(
      layer.annotations?.['dev.sigstore.cosign/chain'],
      '-----BEGIN CERTIFICATE-----\nINT\n-----END CERTIFICATE-----\n-----BEGIN CERTIFICATE-----\nROOT\n-----END CERTIFICATE-----\n',
    );
    assert.equal(
      layer.annotations?.['dev.sigstore.cosign/rfc3161timestamp'],
      '{"SignedRFC3161Timestamp":"VFNB"}',
    );
  });

  it('key signatures carry only the signature and bundle', () => {
    const sig = { ...fakeSignature(), chainPEM: [] };
    delete sig.certificatePEM;
    const layer = signatureLayer(Buffer.from('p'), sig);
    assert.deepEqual(Object.keys(layer.annotations ?? {}), [
      'dev.cosignproject.cosign/signature',
      'dev.sigstore.cosign/bundle',
    ]);
  });

  it('writes the 233-byte go-containerregistry config and the .sig manifest', () => {
    const layer = signatureLayer(Buffer.from('p'), fakeSignature());
    const config = signatureConfig([layer]);
    assert.equal(config.length, 233);
    assert.equal(
      config.toString(),
      `{"architecture":"","created":"0001-01-01T00:00:00Z","history":[{"created":"0001-01-01T00:00:00Z"}],"os":"","rootfs":{"type":"layers","diff_ids":["${layer.digest}"]},"config":{}}`,
    );
    const { manifest, config: c2 } = signatureImage([layer, layer]);
    const parsed = JSON.parse(manifest.toString());
    assert.deepEqual(Object.keys(parsed), ['schemaVersion', 'mediaType', 'config', 'layers']);
    assert.deepEqual(parsed.config, {
      mediaType: 'application/vnd.oci.image.config.v1+json',
      size: c2.length,
      digest: sha(c2),
    });
    assert.deepEqual(Object.keys(parsed.layers[0]), ['mediaType', 'size', 'digest', 'annotations']);
    assert.equal(JSON.parse(c2.toString()).history.length, 2);
    assert.equal(manifest.toString(), goJSON(parsed));
  });

  it('appends new signatures and skips identical ones', () => {
    const a = signatureLayer(Buffer.from('p'), fakeSignature());
    const b = signatureLayer(Buffer.from('p'), {
      ...fakeSignature(),
      signature: Buffer.from('other'),
    });
    assert.equal(appendSignature([a], { ...a, annotations: { ...a.annotations } }), undefined);
    assert.deepEqual(appendSignature([a], b), [a, b]);
    assert.deepEqual(appendSignature([], a), [a]);
  });
});

describe('cosign v3 format', () => {
  it('writes the in-toto statement cosign v3 signs', () => {
    assert.equal(
      signStatement(DIGEST).toString(),
      `{"_type":"https://in-toto.io/Statement/v1","subject":[{"digest":{"sha256":"${HEX}"},"annotations":{}}],"predicateType":"https://sigstore.dev/cosign/sign/v1","predicate":{}}`,
    );
    assert.deepEqual(
      JSON.parse(signStatement(DIGEST, { b: '2', a: '1' }).toString()).subject[0].annotations,
      {
        a: '1',
        b: '2',
      },
    );
  });

  it('writes the referrer manifest as cosign WriteReferrer does', () => {
    const bundle = Buffer.from('{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json"}');
    const manifest = bundleReferrerManifest({
      bundle,
      subject: {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        size: 600,
        digest: DIGEST,
      },
      created: new Date('2026-03-04T05:06:07.890Z'),
    }).toString();
    assert.equal(
      manifest,
      `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.empty.v1+json","size":2,"digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","artifactType":"application/vnd.dev.sigstore.bundle.v0.3+json"},"layers":[{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","size":${bundle.length},"digest":"${sha(bundle)}"}],"annotations":{"dev.sigstore.bundle.content":"dsse-envelope","dev.sigstore.bundle.predicateType":"https://sigstore.dev/cosign/sign/v1","org.opencontainers.image.created":"2026-03-04T05:06:07Z"},"subject":{"mediaType":"application/vnd.oci.image.manifest.v1+json","size":600,"digest":"${DIGEST}"},"artifactType":"application/vnd.dev.sigstore.bundle.v0.3+json"}`,
    );
    assert.equal(
      sha('{}'),
      'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
    );
    assert.equal(rfc3339(new Date('2026-01-01T00:00:00.999Z')), '2026-01-01T00:00:00Z');
  });
});
