// Which path Flux takes (bundle referrers or `.sig`), decided on an in-memory registry, and the
// user errors for bad inputs. Signatures themselves are judged in test/interop/verify-flux-rules.
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { type SignatureSource, verifyArtifact } from '../../src/signing/verify/index.js';
import type { OciDescriptor } from '../../src/signing/verify/source.js';
import { UserError } from '../../src/util/errors.js';

const DIGEST = `sha256:${'a'.repeat(64)}`;
const sha = (b: Uint8Array) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** A registry in memory: manifests by tag or digest, blobs by digest, a referrers answer. */
function memory(opts: {
  referrers?: OciDescriptor[] | Error;
  manifests?: Record<string, unknown>;
  blobs?: Uint8Array[];
}): SignatureSource & { reads: string[] } {
  const reads: string[] = [];
  const manifests = new Map<string, Uint8Array>();
  for (const [ref, m] of Object.entries(opts.manifests ?? {}))
    manifests.set(ref, Buffer.from(JSON.stringify(m)));
  const blobs = new Map((opts.blobs ?? []).map((b) => [sha(b), b]));
  return {
    reads,
    async getManifest(ref) {
      reads.push(`manifest ${ref}`);
      const bytes = manifests.get(ref);
      return bytes
        ? { bytes, mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha(bytes) }
        : undefined;
    },
    async fetchBlob(digest) {
      reads.push(`blob ${digest}`);
      const b = blobs.get(digest);
      if (!b) throw new Error(`no blob ${digest}`);
      return b;
    },
    async listReferrers(digest) {
      reads.push(`referrers ${digest}`);
      if (opts.referrers instanceof Error) throw opts.referrers;
      return opts.referrers ?? [];
    },
  };
}

function manifestWithLayers(layers: Array<{ mediaType: string; blob: Uint8Array }>) {
  return {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: {
      mediaType: 'application/vnd.oci.empty.v1+json',
      size: 2,
      digest: sha(Buffer.from('{}')),
    },
    layers: layers.map((l) => ({
      mediaType: l.mediaType,
      size: l.blob.length,
      digest: sha(l.blob),
    })),
  };
}

const ID = [
  {
    issuer: '^https://token\\.actions\\.githubusercontent\\.com$',
    subject: '^https://github\\.com/o/r/',
  },
];
const root = {
  mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
  tlogs: [],
  certificateAuthorities: [],
  ctlogs: [],
  timestampAuthorities: [],
};

describe('verifyArtifact: path selection', () => {
  it('no referrers and no .sig tag: cosign-v2, "no signatures found"', async () => {
    const source = memory({});
    const r = await verifyArtifact({
      source,
      digest: DIGEST,
      identities: ID,
      trustedRoot: fakeRoot(),
    });
    assert.deepEqual([r.verified, r.format, r.reason], [false, 'cosign-v2', 'no signatures found']);
    assert.deepEqual(source.reads, [
      `referrers ${DIGEST}`,
      `manifest sha256-${'a'.repeat(64)}.sig`,
    ]);
  });

  it('a failing referrers query falls back to .sig, as GetBundles errors do in Flux', async () => {
    const source = memory({ referrers: new Error('503 from registry') });
    const r = await verifyArtifact({
      source,
      digest: DIGEST,
      identities: ID,
      trustedRoot: fakeRoot(),
    });
    assert.equal(r.format, 'cosign-v2');
    assert.ok(source.reads.includes(`manifest sha256-${'a'.repeat(64)}.sig`));
  });

  it('referrers that are not v0.3 bundles are skipped (two layers, other media type, v0.2, junk)', async () => {
    const v02 = Buffer.from(
      JSON.stringify({ mediaType: 'application/vnd.dev.sigstore.bundle+json;version=0.2' }),
    );
    const junk = Buffer.from('not json');
    const sbom = Buffer.from('{"spdx":true}');
    const ms = {
      two: manifestWithLayers([
        { mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json', blob: junk },
        { mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json', blob: junk },
      ]),
      other: manifestWithLayers([{ mediaType: 'application/spdx+json', blob: sbom }]),
      old: manifestWithLayers([
        { mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json', blob: v02 },
      ]),
      junk: manifestWithLayers([
        { mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json', blob: junk },
      ]),
    };
    const manifests: Record<string, unknown> = {};
    const referrers: OciDescriptor[] = [];
    for (const m of Object.values(ms)) {
      const d = sha(Buffer.from(JSON.stringify(m)));
      manifests[d] = m;
      referrers.push({
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        size: 1,
        digest: d,
      });
    }
    const source = memory({ referrers, manifests, blobs: [v02, junk, sbom] });
    const r = await verifyArtifact({
      source,
      digest: DIGEST,
      identities: ID,
      trustedRoot: fakeRoot(),
    });
    assert.equal(r.format, 'cosign-v2');
    assert.equal(r.verified, false);
  });

  it('a .sig layer whose blob does not match its digest never verifies', async () => {
    const payload = Buffer.from('{"critical":{}}');
    const sig = manifestWithLayers([
      { mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json', blob: payload },
    ]);
    const source = memory({ manifests: { [`sha256-${'a'.repeat(64)}.sig`]: sig }, blobs: [] });
    // fetchBlob has nothing for that digest: the layer fails, with the reason kept.
    const r = await verifyArtifact({
      source,
      digest: DIGEST,
      identities: ID,
      trustedRoot: fakeRoot(),
    });
    assert.equal(r.verified, false);
    assert.match(r.reason ?? '', /no matching signatures: no blob/);
  });
});

describe('verifyArtifact: inputs', () => {
  it('rejects a Go regexp it cannot use, naming the input', async () => {
    await assert.rejects(
      verifyArtifact({
        source: memory({}),
        digest: DIGEST,
        identities: [{ issuer: '(?=x)', subject: '.*' }],
        trustedRoot: fakeRoot(),
      }),
      (err: unknown) =>
        err instanceof UserError &&
        err.input === 'certificate-identity' &&
        /issuer regexp #1/.test(err.message),
    );
  });

  it('rejects a public key that is not PEM, naming the input', async () => {
    await assert.rejects(
      verifyArtifact({ source: memory({}), digest: DIGEST, publicKey: 'not a key' }),
      (err: unknown) => err instanceof UserError && err.input === 'public-key',
    );
  });

  it('rejects a trusted root that is not JSON, naming the input', async () => {
    const sig = manifestWithLayers([]);
    await assert.rejects(
      verifyArtifact({
        source: memory({ manifests: { x: sig } }),
        digest: DIGEST,
        identities: ID,
        trustedRoot: '{',
      }),
      (err: unknown) => err instanceof UserError && err.input === 'trusted-root',
    );
  });

  it('rejects a trusted root without a CA or a log', async () => {
    await assert.rejects(
      verifyArtifact({ source: memory({}), digest: DIGEST, identities: ID, trustedRoot: root }),
      /no certificate authority or no transparency log/,
    );
  });

  it('key mode never loads trust material (Flux ignores the trusted root there)', async () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = publicKey.export({ format: 'pem', type: 'spki' }).toString();
    const r = await verifyArtifact({
      source: memory({}),
      digest: DIGEST,
      publicKey: pem,
      trustedRoot: '{',
    });
    assert.deepEqual([r.verified, r.format], [false, 'cosign-v2']);
  });

  it('needs a sha256 digest', async () => {
    await assert.rejects(
      verifyArtifact({ source: memory({}), digest: 'latest', identities: ID }),
      /sha256 manifest digest/,
    );
  });
});

/** A syntactically valid trusted root with one CA and one log (keys never used here). */
function fakeRoot(): Record<string, unknown> {
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const der = publicKey.export({ format: 'der', type: 'spki' });
  return {
    ...root,
    tlogs: [
      {
        baseUrl: 'http://127.0.0.1:1',
        hashAlgorithm: 'SHA2_256',
        publicKey: {
          rawBytes: der.toString('base64'),
          keyDetails: 'PKIX_ECDSA_P256_SHA_256',
          validFor: { start: '2020-01-01T00:00:00Z' },
        },
        logId: { keyId: createHash('sha256').update(der).digest('base64') },
      },
    ],
    certificateAuthorities: [
      {
        subject: { organization: 'x', commonName: 'x' },
        uri: 'http://127.0.0.1:1',
        certChain: { certificates: [{ rawBytes: der.toString('base64') }] },
        validFor: { start: '2020-01-01T00:00:00Z' },
      },
    ],
  };
}
