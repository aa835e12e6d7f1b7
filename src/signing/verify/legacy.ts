/**
 * The cosign v2 `sha256-<hex>.sig` path, as Flux runs it: cosign v3.0.6 `VerifyImageSignatures`
 * with `NewBundleFormat=false` (no `ClaimVerifier`, so the payload's digest claim is not checked).
 *
 * Per layer (any one verifying is enough):
 *  keyless  Rekor bundle annotation: signature string and certificate equal the Rekor body's,
 *           body hash == sha256(payload), SET valid for a log in the trusted root at the entry's
 *           time; certificate chains to a Fulcio CA of the trusted root, has an embedded SCT
 *           that verifies against its CT logs, matches one identity (issuer = OID .1.1, subject =
 *           any SAN); the signature over the payload verifies; the certificate and its chain are
 *           valid at the integrated time.
 *  key      the key verifies the signature over the payload; no transparency log (Flux sets
 *           `IgnoreTlog`); a certificate, if attached, must still be valid now.
 *
 * Behaviour re-implemented from sigstore/cosign pkg/cosign/verify.go (Apache-2.0).
 */
import { createHash, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import type { TransparencyLogEntry } from '@sigstore/bundle';
import { X509Certificate } from '@sigstore/core';
import { type SignedEntity, type TrustMaterial, Verifier } from '@sigstore/verify';
import { MAX_MANIFEST_BYTES } from '../../oci/types.js';
import { oneLine } from '../../util/errors.js';
import {
  COSIGN_ANNOTATION,
  COSIGN_SIMPLESIGNING_TYPE,
  cosignSignatureTag,
  type RekorBundle,
} from '../types.js';
import { type CompiledIdentity, type IdentityMatch, matchLegacy } from './identity.js';
import {
  fetchVerifiedBlob,
  MAX_SIGNATURE_BLOB_BYTES,
  type OciDescriptor,
  type SignatureSource,
} from './source.js';

/** ociremote.Signatures refuses signature images with more layers than this. */
const MAX_LAYERS = 1000;
const EKU_CODE_SIGNING = '1.3.6.1.5.5.7.3.3';

export type LegacyMode =
  | { kind: 'keyless'; trust: TrustMaterial; identities: readonly CompiledIdentity[] }
  | { kind: 'key'; key: KeyObject };

export interface LegacyOutcome {
  verified: boolean;
  identity?: IdentityMatch;
  /** Why each layer failed (when none verified), or why there was nothing to check. */
  reason?: string;
  /** Things Flux accepts that `cosign verify` would not. */
  warnings: string[];
  /**
   * Set when the only verifying signatures name another digest in their simple-signing payload
   * (`critical.image.docker-manifest-digest`): a `.sig` copied from another artifact. Flux accepts
   * it (no `ClaimVerifier`); `cosign verify` does not ("invalid or missing digest in claim").
   */
  copiedFrom?: string;
}

function pemToDer(pem: string): { der: Buffer; rest: string } | undefined {
  const m = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----\r?\n?/.exec(pem);
  if (!m) return undefined;
  const der = Buffer.from((m[2] ?? '').replace(/\s+/g, ''), 'base64');
  return { der, rest: pem.slice((m.index ?? 0) + m[0].length) };
}

function verifyRaw(key: KeyObject, data: Buffer, signature: Buffer): boolean {
  try {
    const algo =
      key.asymmetricKeyType === 'ed25519' || key.asymmetricKeyType === 'ed448' ? null : 'sha256';
    return cryptoVerify(algo, data, key, signature);
  } catch {
    return false;
  }
}

/** The digest the simple-signing payload claims, or undefined if it is not one. */
function claimedDigest(payload: Buffer): string | undefined {
  try {
    const p = JSON.parse(payload.toString('utf8')) as {
      critical?: { type?: unknown; image?: { 'docker-manifest-digest'?: unknown } };
    };
    if (p.critical?.type !== COSIGN_SIMPLESIGNING_TYPE) return undefined;
    const d = p.critical.image?.['docker-manifest-digest'];
    return typeof d === 'string' ? d : undefined;
  } catch {
    return undefined;
  }
}

interface RekorBody {
  kind?: string;
  apiVersion?: string;
  spec?: {
    data?: { hash?: { algorithm?: string; value?: string } };
    signature?: { content?: string; publicKey?: { content?: string } };
  };
}

/** cosign VerifyBundle + the entity @sigstore/verify checks (SET, body, chain, SCT, signature). */
function verifyKeylessLayer(
  payload: Buffer,
  annotations: Record<string, string>,
  mode: Extract<LegacyMode, { kind: 'keyless' }>,
): { identity: IdentityMatch } {
  const b64sig = annotations[COSIGN_ANNOTATION.signature];
  if (b64sig === undefined)
    throw new Error(`signature layer is missing "${COSIGN_ANNOTATION.signature}" annotation`);
  const bundleJson = annotations[COSIGN_ANNOTATION.bundle];
  if (bundleJson === undefined) {
    // Flux would search Rekor online for the entry here; we never do (see docs/verification.md).
    throw new Error(
      'signature has no Rekor bundle annotation; an online Rekor lookup would be needed',
    );
  }
  const certPem = annotations[COSIGN_ANNOTATION.certificate];

  let rekor: RekorBundle;
  try {
    rekor = JSON.parse(bundleJson) as RekorBundle;
  } catch {
    throw new Error('malformed Rekor bundle annotation');
  }
  const bodyB64 = rekor.Payload?.body;
  if (typeof bodyB64 !== 'string') throw new Error('bundle payload body is not a string');
  const bodyBytes = Buffer.from(bodyB64, 'base64');
  let body: RekorBody;
  try {
    body = JSON.parse(bodyBytes.toString('utf8')) as RekorBody;
  } catch {
    throw new Error('malformed Rekor entry body');
  }
  if (body.kind !== 'hashedrekord' || body.apiVersion !== '0.0.1') {
    throw new Error(
      `unsupported Rekor entry kind ${body.kind}/${body.apiVersion} for a cosign v2 signature`,
    );
  }
  // compareSigs: exact string comparison with the annotation.
  const bodySig = body.spec?.signature?.content ?? '';
  if (bodySig !== '' && bodySig !== b64sig)
    throw new Error('signature in bundle does not match signature being verified');
  // comparePublicKey: the certificate annotation and the body's key, PEM-decoded, byte-equal.
  if (certPem === undefined) throw new Error('no certificate found on signature');
  const certBlock = pemToDer(certPem);
  if (!certBlock) throw new Error('invalid certificate annotation');
  const bodyKeyPem = Buffer.from(body.spec?.signature?.publicKey?.content ?? '', 'base64').toString(
    'utf8',
  );
  const bodyKey = pemToDer(bodyKeyPem);
  if (!bodyKey) throw new Error('invalid public key in Rekor entry');
  if (bodyKey.rest.trim() !== '') throw new Error('unexpected PEM block in Rekor entry public key');
  if (!certBlock.der.equals(bodyKey.der))
    throw new Error('comparing public key PEMs: certificate differs from the Rekor entry');
  // bundleHash == sha256(payload)
  const payloadHash = createHash('sha256').update(payload).digest('hex');
  if (body.spec?.data?.hash?.algorithm !== 'sha256')
    throw new Error(`unexpected algorithm: ${body.spec?.data?.hash?.algorithm}`);
  if (body.spec.data.hash.value !== payloadHash)
    throw new Error('matching bundle to payload: hashes differ');

  let cert: X509Certificate;
  try {
    cert = X509Certificate.parse(certBlock.der as Buffer<ArrayBuffer>);
  } catch {
    throw new Error('invalid certificate found on signature');
  }
  const signature = Buffer.from(b64sig, 'base64');
  const tlogEntry = {
    logIndex: String(rekor.Payload.logIndex),
    logId: { keyId: Buffer.from(rekor.Payload.logID, 'hex') },
    kindVersion: { kind: body.kind, version: body.apiVersion },
    integratedTime: String(rekor.Payload.integratedTime),
    inclusionPromise: { signedEntryTimestamp: Buffer.from(rekor.SignedEntryTimestamp, 'base64') },
    inclusionProof: undefined,
    canonicalizedBody: bodyBytes,
  } as unknown as TransparencyLogEntry;
  const payloadDigest = createHash('sha256').update(payload).digest();
  const entity: SignedEntity = {
    signature: {
      signature,
      compareSignature: (s: Buffer) => s.equals(signature),
      compareDigest: (d: Buffer) => d.equals(payloadDigest),
      compareSignedDigest: (d: Buffer) => d.equals(payloadDigest),
      verifySignature: (key: KeyObject) => verifyRaw(key, payload, signature),
    },
    key: { $case: 'certificate', certificate: cert },
    tlogEntries: [tlogEntry],
    timestamps: [{ $case: 'transparency-log', tlogEntry }],
  };

  // Identity first, so a wrong workflow is reported as such (cosign checks it before the SCT).
  const match = matchLegacy(cert, mode.identities);
  if (!match.ok) throw new Error(match.reason);
  if (!hasCodeSigningEku(cert)) throw new Error('certificate is not valid for code signing');
  new Verifier(mode.trust, { tlogThreshold: 1, ctlogThreshold: 1, timestampThreshold: 1 }).verify(
    entity,
  );
  return { identity: match.identity };
}

function hasCodeSigningEku(cert: X509Certificate): boolean {
  const ext = cert.extension('2.5.29.37');
  if (!ext) return true; // Go's x509 treats a missing EKU extension as "any"
  return (ext.valueObj.subs[0]?.subs ?? []).some((o) => {
    const oid = o.toOID();
    return oid === EKU_CODE_SIGNING || oid === '2.5.29.37.0';
  });
}

function verifyKeyLayer(
  payload: Buffer,
  annotations: Record<string, string>,
  key: KeyObject,
): void {
  const b64sig = annotations[COSIGN_ANNOTATION.signature];
  if (b64sig === undefined)
    throw new Error(`signature layer is missing "${COSIGN_ANNOTATION.signature}" annotation`);
  if (!verifyRaw(key, payload, Buffer.from(b64sig, 'base64')))
    throw new Error('invalid signature when validating ASN.1 encoded signature');
  const certPem = annotations[COSIGN_ANNOTATION.certificate];
  if (certPem) {
    const block = pemToDer(certPem);
    if (!block) throw new Error('invalid certificate found on signature');
    const cert = X509Certificate.parse(block.der as Buffer<ArrayBuffer>);
    if (!cert.validForDate(new Date()))
      throw new Error('expected a signed timestamp to verify an expired certificate');
  }
}

export async function verifyLegacy(
  source: SignatureSource,
  digest: string,
  mode: LegacyMode,
): Promise<LegacyOutcome> {
  const warnings: string[] = [];
  const tag = cosignSignatureTag(digest);
  const manifest = await source.getManifest(tag);
  if (!manifest) return { verified: false, reason: 'no signatures found', warnings };
  if (manifest.bytes.byteLength > MAX_MANIFEST_BYTES)
    throw new Error(`signature manifest ${tag} is too large`);
  const parsed = JSON.parse(Buffer.from(manifest.bytes).toString('utf8')) as {
    layers?: OciDescriptor[];
  };
  const layers = parsed.layers ?? [];
  if (layers.length > MAX_LAYERS)
    throw new Error(`signature image ${tag} has more than ${MAX_LAYERS} layers`);
  if (layers.length === 0) return { verified: false, reason: 'no signatures found', warnings };

  const errors: string[] = [];
  // Flux stops at the first layer that verifies and checks no claim; we prefer one whose payload
  // also names this digest (same Flux verdict) and report a copied signature otherwise.
  let copied: LegacyOutcome | undefined;
  for (const layer of layers) {
    try {
      const payload = Buffer.from(await fetchVerifiedBlob(source, layer, MAX_SIGNATURE_BLOB_BYTES));
      const annotations = layer.annotations ?? {};
      let identity: IdentityMatch | undefined;
      if (mode.kind === 'keyless')
        identity = verifyKeylessLayer(payload, annotations, mode).identity;
      else verifyKeyLayer(payload, annotations, mode.key);
      const claimed = claimedDigest(payload);
      if (claimed === digest)
        return { verified: true, ...(identity ? { identity } : {}), warnings };
      copied ??= {
        verified: true,
        ...(identity ? { identity } : {}),
        copiedFrom: claimed ?? 'no digest',
        warnings,
      };
    } catch (err) {
      errors.push(oneLine((err as Error).message));
    }
  }
  return (
    copied ?? {
      verified: false,
      reason: `no matching signatures: ${errors.join('; ')}`,
      warnings,
    }
  );
}
