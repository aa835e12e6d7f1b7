// Which path Flux takes (bundle referrers or `.sig`), decided on an in-memory registry, and the
// user errors for bad inputs. Signatures themselves are judged in test/interop/verify-flux-rules.
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { describe, it } from 'node:test';
import { failureInput, failureMessage } from '../../src/github/errors.js';
import { verifyReason } from '../../src/github/signing-errors.js';
import { splitPublicKeys } from '../../src/github/verify-inputs.js';
import { SigningError } from '../../src/signing/errors.js';
import { singleIdentity } from '../../src/signing/verify/identity.js';
import { type SignatureSource, verifyArtifact } from '../../src/signing/verify/index.js';
import type { OciDescriptor } from '../../src/signing/verify/source.js';

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
        err instanceof SigningError &&
        err.code === 'IDENTITY_REGEXP_INVALID' &&
        failureInput(err) === 'match-oidc-identity' &&
        /^match-oidc-identity: issuer regexp #1 /.test(failureMessage(err) ?? ''),
    );
  });

  it('rejects a public key that is not PEM, naming the input', async () => {
    await assert.rejects(
      verifyArtifact({ source: memory({}), digest: DIGEST, publicKey: 'not a key' }),
      (err: unknown) =>
        err instanceof SigningError &&
        err.code === 'PUBLIC_KEY_INVALID' &&
        failureInput(err) === 'public-key',
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
      (err: unknown) =>
        err instanceof SigningError &&
        err.code === 'TRUSTED_ROOT_INVALID' &&
        failureInput(err) === 'trusted-root' &&
        /^trusted-root: not valid JSON/.test(failureMessage(err) ?? ''),
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

describe('verifyArtifact: copied .sig and several keys (key mode, in memory)', () => {
  const OTHER = `sha256:${'b'.repeat(64)}`;
  const keyPair = () => generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pemOf = (k: ReturnType<typeof keyPair>) =>
    k.publicKey.export({ format: 'pem', type: 'spki' }).toString();

  /** A `.sig` for DIGEST whose simple-signing payload names `claimed`, signed by `key`. */
  function sigFor(claimed: string, key: ReturnType<typeof keyPair>) {
    const payload = Buffer.from(
      JSON.stringify({
        critical: {
          identity: { 'docker-reference': 'r.example/app' },
          image: { 'docker-manifest-digest': claimed },
          type: 'cosign container image signature',
        },
        optional: null,
      }),
    );
    const m = manifestWithLayers([
      { mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json', blob: payload },
    ]);
    (m.layers[0] as { annotations?: Record<string, string> }).annotations = {
      'dev.cosignproject.cosign/signature': sign('sha256', payload, key.privateKey).toString(
        'base64',
      ),
    };
    return memory({ manifests: { [`sha256-${'a'.repeat(64)}.sig`]: m }, blobs: [payload] });
  }

  it('a .sig naming this digest: cosign-v2-sig, verified by Flux and by us', async () => {
    const k = keyPair();
    const r = await verifyArtifact({
      source: sigFor(DIGEST, k),
      digest: DIGEST,
      publicKey: pemOf(k),
    });
    assert.deepEqual([r.verified, r.fluxVerified, r.rule], [true, true, 'cosign-v2-sig']);
  });

  it('a .sig naming another digest: Flux accepts, we fail by default in one line, warn on request', async () => {
    const k = keyPair();
    const r = await verifyArtifact({
      source: sigFor(OTHER, k),
      digest: DIGEST,
      publicKey: pemOf(k),
    });
    assert.deepEqual([r.verified, r.fluxVerified, r.rule], [false, true, 'cosign-v2-sig-copied']);
    assert.match(r.reason ?? '', /names sha256:b{64}, not sha256:a{64}; Flux would accept it/);
    // The domain's reason names no input; the edge adds the one that changes the verdict.
    assert.equal(r.failure, 'copied-signature');
    assert.doesNotMatch(r.reason ?? '', /copied-signature|\n/);
    assert.match(verifyReason(r), /must not be trusted.*; set copied-signature: warn/);
    const w = await verifyArtifact({
      source: sigFor(OTHER, k),
      digest: DIGEST,
      publicKey: pemOf(k),
      copiedSignature: 'warn',
    });
    assert.deepEqual([w.verified, w.fluxVerified, w.rule], [true, true, 'cosign-v2-sig-copied']);
    assert.match(w.warnings[0] ?? '', /Flux would accept it/);
  });

  it('several keys: any one verifies; when none does, each key says why', async () => {
    const [right, wrong, wrong2] = [keyPair(), keyPair(), keyPair()];
    const ok = await verifyArtifact({
      source: sigFor(DIGEST, right),
      digest: DIGEST,
      publicKeys: [pemOf(wrong), pemOf(right)],
    });
    assert.equal(ok.verified, true);
    const bad = await verifyArtifact({
      source: sigFor(DIGEST, right),
      digest: DIGEST,
      publicKeys: [pemOf(wrong), pemOf(wrong2)],
    });
    assert.equal(bad.verified, false);
    assert.match(
      bad.reason ?? '',
      /^key #1: no matching signatures: .+; key #2: no matching signatures: .+$/,
    );
    await assert.rejects(
      verifyArtifact({ source: memory({}), digest: DIGEST, publicKeys: [pemOf(right), 'junk'] }),
      (err: Error) =>
        err instanceof SigningError &&
        /^public-key: key #2 not a PEM/.test(failureMessage(err) ?? '') &&
        !/public-key/.test(err.message),
    );
  });

  it('splitPublicKeys: one key per PEM block, like the *.pub entries of a Secret', () => {
    const [a, b] = [pemOf(keyPair()), pemOf(keyPair())];
    assert.deepEqual(splitPublicKeys(`${a}\n${b}`), [a, b]);
    assert.deepEqual(splitPublicKeys('junk'), ['junk']);
  });
});

describe('singleIdentity: the one entry for the bundle path', () => {
  const I = '^https://token\\.actions\\.githubusercontent\\.com$';
  it('anchored subjects become one anchored alternation', () => {
    assert.deepEqual(
      singleIdentity([
        {
          issuer: I,
          subject: '^https://github\\.com/o/r/\\.github/workflows/publish\\.yaml@refs/heads/main$',
        },
        {
          issuer: I,
          subject: '^https://github\\.com/o/r/\\.github/workflows/release\\.yaml@refs/tags/v.*$',
        },
      ]),
      {
        identity: {
          issuer: I,
          subject:
            '^(?:https://github\\.com/o/r/\\.github/workflows/publish\\.yaml@refs/heads/main|https://github\\.com/o/r/\\.github/workflows/release\\.yaml@refs/tags/v.*)$',
        },
        loosened: false,
      },
    );
  });
  it('unanchored, alternating or escaped-$ patterns are grouped as they are', () => {
    const r = singleIdentity([
      { issuer: I, subject: 'a|b' },
      { issuer: I, subject: '^c\\$' },
    ]);
    assert.equal(r.identity.subject, '(?:a|b)|(?:^c\\$)');
  });
  it('different issuers and subjects: says the pairing is lost', () => {
    const r = singleIdentity([
      { issuer: '^x$', subject: '^s$' },
      { issuer: '^y$', subject: '^t$' },
    ]);
    assert.deepEqual(r, {
      identity: { issuer: '^(?:x|y)$', subject: '^(?:s|t)$' },
      loosened: true,
    });
  });
});
