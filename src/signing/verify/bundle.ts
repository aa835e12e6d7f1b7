/**
 * The cosign v3 path, as Flux runs it: cosign v3.0.6 `GetBundles` (referrers of the digest whose
 * manifest has exactly one layer of a `application/vnd.dev.sigstore.bundle*` media type holding
 * a v0.3 bundle), then `VerifyImageAttestations` with `NewBundleFormat=true` → sigstore-go.
 *
 * Per bundle (any one verifying is enough):
 *  keyless  at most one identity (more: "unsupported: multiple identities …"; none: sigstore-go
 *           "can't verify identities without providing at least one identity"); tlog entry
 *           verified (inclusion proof, and SET when present), an integrated timestamp (SET) for
 *           Rekor v1 or a signed timestamp for Rekor v2-only bundles; certificate chains to the
 *           trusted root's Fulcio CA at that time, with ≥1 verified SCT; DSSE signature verifies;
 *           the in-toto statement's subjects contain the artifact digest; the identity matches
 *           (first SAN, issuer .1.8/.1.1); the content is a DSSE envelope.
 *  key      the key verifies the DSSE signature; no tlog, no timestamps (Flux's `IgnoreTlog`);
 *           a certificate-bearing bundle is refused ("expected key signature, not certificate").
 *
 * Behaviour re-implemented from sigstore/cosign pkg/cosign/verify.go, verify_bundle.go and
 * sigstore/sigstore-go pkg/verify (Apache-2.0); the DSSE keyid rule from
 * secure-systems-lab/go-securesystemslib dsse/verify.go (MIT).
 */
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { type Bundle, bundleFromJSON } from '@sigstore/bundle';
import { type SignedEntity, type TrustMaterial, toSignedEntity, Verifier } from '@sigstore/verify';
import { MAX_MANIFEST_BYTES } from '../../oci/types.js';
import { oneLine } from '../../util/errors.js';
import { IN_TOTO_PAYLOAD_TYPE, SIGSTORE_BUNDLE_MEDIA_TYPE_PREFIX } from '../types.js';
import { type CompiledIdentity, type IdentityMatch, matchBundle } from './identity.js';
import {
  type FetchedManifestBytes,
  fetchVerifiedBlob,
  MAX_SIGNATURE_BLOB_BYTES,
  type OciDescriptor,
  type SignatureSource,
} from './source.js';

const MAX_SUBJECTS = 1024;
const MAX_SUBJECT_DIGESTS = 32;

export type BundleMode =
  | { kind: 'keyless'; trust: TrustMaterial; identities: readonly CompiledIdentity[] }
  | { kind: 'key'; key: KeyObject };

export interface FoundBundle {
  /** Digest of the referrer manifest holding it. */
  manifestDigest: string;
  bundle: Bundle;
}

/** sigstore-go's bundle version from its media type, e.g. `v0.3`; undefined if not a bundle. */
function bundleVersion(mediaType: string): [number, number] | undefined {
  const legacy = /^application\/vnd\.dev\.sigstore\.bundle\+json;version=(\d+)\.(\d+)$/.exec(
    mediaType,
  );
  const current = /^application\/vnd\.dev\.sigstore\.bundle\.v(\d+)\.(\d+)(?:\.\d+)?\+json$/.exec(
    mediaType,
  );
  const m = legacy ?? current;
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

async function readBundle(
  source: SignatureSource,
  desc: OciDescriptor,
): Promise<Bundle | undefined> {
  let manifest: FetchedManifestBytes | undefined;
  try {
    manifest = await source.getManifest(desc.digest);
  } catch {
    return undefined;
  }
  if (!manifest || manifest.bytes.byteLength > MAX_MANIFEST_BYTES) return undefined;
  let parsed: { mediaType?: string; layers?: OciDescriptor[]; manifests?: unknown };
  try {
    parsed = JSON.parse(Buffer.from(manifest.bytes).toString('utf8'));
  } catch {
    return undefined;
  }
  // remote.Image refuses indexes; ociremote.Bundle wants exactly one bundle layer.
  if (parsed.manifests !== undefined || !Array.isArray(parsed.layers) || parsed.layers.length !== 1)
    return undefined;
  const layer = parsed.layers[0] as OciDescriptor;
  if (
    typeof layer.mediaType !== 'string' ||
    !layer.mediaType.startsWith(SIGSTORE_BUNDLE_MEDIA_TYPE_PREFIX)
  )
    return undefined;
  let json: unknown;
  try {
    const bytes = await fetchVerifiedBlob(source, layer, MAX_SIGNATURE_BLOB_BYTES);
    json = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    return undefined;
  }
  const mediaType = (json as { mediaType?: unknown } | null)?.mediaType;
  const version = typeof mediaType === 'string' ? bundleVersion(mediaType) : undefined;
  // MinVersion("v0.3"), and sigstore-go refuses v0.4+.
  if (version?.join('.') !== '0.3') return undefined;
  try {
    return bundleFromJSON(json);
  } catch {
    return undefined;
  }
}

/**
 * GetBundles: every parsable v0.3 bundle among the referrers. Throws when the registry fails, in
 * which case Flux falls back to the `.sig` path.
 */
export async function findBundles(source: SignatureSource, digest: string): Promise<FoundBundle[]> {
  const referrers = await source.listReferrers(digest);
  const found: FoundBundle[] = [];
  for (const desc of referrers) {
    if (typeof desc?.digest !== 'string') continue;
    const bundle = await readBundle(source, desc);
    if (bundle) found.push({ manifestDigest: desc.digest, bundle });
  }
  return found;
}

function statementHasDigest(payload: Buffer, digest: string): void {
  let statement: { subject?: Array<{ digest?: Record<string, unknown> }> };
  try {
    statement = JSON.parse(payload.toString('utf8'));
  } catch {
    throw new Error('could not verify artifact: unable to extract statement from envelope');
  }
  const subjects = Array.isArray(statement.subject) ? statement.subject : [];
  if (subjects.length > MAX_SUBJECTS)
    throw new Error(`too many subjects: ${subjects.length} > ${MAX_SUBJECTS}`);
  const [alg, hex] = digest.split(':') as [string, string];
  let algSeen = false;
  for (const s of subjects) {
    const digests = s?.digest ?? {};
    if (Object.keys(digests).length > MAX_SUBJECT_DIGESTS)
      throw new Error('too many digests in a subject');
    const value = digests[alg];
    if (typeof value !== 'string') continue;
    algSeen = true;
    if (value.toLowerCase() === hex) return;
  }
  throw new Error(
    algSeen
      ? 'provided artifact digest does not match any digest in statement'
      : 'provided artifact digests does not match digests in statement',
  );
}

function sshString(b: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(b.length);
  return Buffer.concat([len, b]);
}

function sshMpint(b: Buffer): Buffer {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  const v = b.subarray(i);
  return sshString((v[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.alloc(1), v]) : v);
}

/**
 * go-securesystemslib's dsse.SHA256KeyID: the SSH SHA256 fingerprint of the key, or '' when
 * golang.org/x/crypto/ssh cannot encode it.
 */
function sshKeyId(key: KeyObject): string {
  const jwk = key.export({ format: 'jwk' }) as {
    kty?: string;
    crv?: string;
    x?: string;
    y?: string;
    n?: string;
    e?: string;
  };
  const b = (s: string | undefined) => Buffer.from(s ?? '', 'base64url');
  let wire: Buffer;
  if (jwk.kty === 'EC' && (jwk.crv === 'P-256' || jwk.crv === 'P-384' || jwk.crv === 'P-521')) {
    const curve = `nistp${jwk.crv.slice(2)}`;
    const point = Buffer.concat([Buffer.from([4]), b(jwk.x), b(jwk.y)]);
    wire = Buffer.concat([
      sshString(Buffer.from(`ecdsa-sha2-${curve}`)),
      sshString(Buffer.from(curve)),
      sshString(point),
    ]);
  } else if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') {
    wire = Buffer.concat([sshString(Buffer.from('ssh-ed25519')), sshString(b(jwk.x))]);
  } else if (jwk.kty === 'RSA') {
    wire = Buffer.concat([
      sshString(Buffer.from('ssh-rsa')),
      sshMpint(b(jwk.e)),
      sshMpint(b(jwk.n)),
    ]);
  } else {
    return '';
  }
  return `SHA256:${createHash('sha256').update(wire).digest('base64').replace(/=+$/, '')}`;
}

/**
 * go-securesystemslib's envelope verifier skips a key whose ID differs from a non-empty `keyid`
 * on the signature, so such a signature never counts ("accepted signatures do not match
 * threshold, Found: 0").
 */
function checkKeyId(keyid: string, key: KeyObject): void {
  const id = sshKeyId(key);
  if (keyid !== '' && id !== '' && keyid !== id) {
    throw new Error(
      `could not verify envelope: the DSSE signature's keyid ${JSON.stringify(keyid)} is not the verifying key's (${id}); Flux counts no signature`,
    );
  }
}

/** Verifies one bundle; returns the matched identity (keyless) or throws with the reason. */
function verifyOneBundle(
  bundle: Bundle,
  digest: string,
  mode: BundleMode,
): IdentityMatch | undefined {
  if (mode.kind === 'keyless' && mode.identities.length > 1) {
    throw new Error('unsupported: multiple identities are not supported at this time');
  }
  if (mode.kind === 'keyless' && mode.identities.length === 0) {
    throw new Error("can't verify identities without providing at least one identity");
  }
  if (bundle.content.$case !== 'dsseEnvelope')
    throw new Error('bundle does not contain a DSSE envelope');
  const envelope = bundle.content.dsseEnvelope;
  if (envelope.signatures.length !== 1)
    throw new Error('DSSE envelope must have exactly one signature');
  if (envelope.payloadType !== IN_TOTO_PAYLOAD_TYPE) {
    throw new Error(
      `invalid payloadType ${envelope.payloadType} on envelope; expected ${IN_TOTO_PAYLOAD_TYPE}`,
    );
  }

  if (mode.kind === 'key') {
    if (bundle.verificationMaterial.content.$case !== 'publicKey')
      throw new Error('expected key signature, not certificate');
    const full = toSignedEntity(bundle);
    const entity: SignedEntity = { ...full, tlogEntries: [], timestamps: [] };
    const trust: TrustMaterial = {
      certificateAuthorities: [],
      timestampAuthorities: [],
      tlogs: [],
      ctlogs: [],
      publicKey: () => ({ publicKey: mode.key, validFor: () => true }),
    };
    new Verifier(trust, { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 0 }).verify(
      entity,
    );
    checkKeyId(envelope.signatures[0]?.keyid ?? '', mode.key);
    statementHasDigest(envelope.payload, digest);
    return undefined;
  }

  if (
    bundle.verificationMaterial.content.$case !== 'certificate' &&
    bundle.verificationMaterial.content.$case !== 'x509CertificateChain'
  ) {
    throw new Error('bundle is signed with a key; keyless verification needs a certificate');
  }
  const entries = bundle.verificationMaterial.tlogEntries;
  const hasV1 = entries.some((e) => e.integratedTime && e.integratedTime !== '0');
  const hasV2 = entries.some((e) => !e.integratedTime || e.integratedTime === '0');
  if (entries.length === 0) throw new Error('expected 1 tlog entries, got 0');
  if (hasV1 && !entries.some((e) => e.integratedTime !== '0' && e.inclusionPromise)) {
    throw new Error('expected 1 integrated timestamps, got 0');
  }
  const rekorV2Only = hasV2 && !hasV1;
  const tsaCount =
    bundle.verificationMaterial.timestampVerificationData?.rfc3161Timestamps.length ?? 0;
  if (rekorV2Only && tsaCount === 0) throw new Error('expected 1 signed timestamps, got 0');

  const entity = toSignedEntity(bundle);
  if (entity.key.$case !== 'certificate') throw new Error('bundle has no certificate');
  const cert = entity.key.certificate;
  new Verifier(mode.trust, { tlogThreshold: 1, ctlogThreshold: 1, timestampThreshold: 1 }).verify(
    entity,
  );
  checkKeyId(
    envelope.signatures[0]?.keyid ?? '',
    createPublicKey({ key: cert.publicKey, format: 'der', type: 'spki' }),
  );
  statementHasDigest(envelope.payload, digest);
  const identity = mode.identities[0] as CompiledIdentity;
  const match = matchBundle(cert, identity);
  if (!match.ok) throw new Error(match.reason);
  return match.identity;
}

export interface BundleOutcome {
  verified: boolean;
  identity?: IdentityMatch;
  reason?: string;
}

export function verifyBundles(
  found: readonly FoundBundle[],
  digest: string,
  mode: BundleMode,
): BundleOutcome {
  const errors: string[] = [];
  for (const { bundle, manifestDigest } of found) {
    try {
      const identity = verifyOneBundle(bundle, digest, mode);
      return { verified: true, ...(identity ? { identity } : {}) };
    } catch (err) {
      errors.push(`${manifestDigest.slice(0, 19)}…: ${oneLine((err as Error).message)}`);
    }
  }
  return { verified: false, reason: `no matching attestations: ${errors.join('; ')}` };
}
