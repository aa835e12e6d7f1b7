/**
 * The cosign v2 signature format: a `sha256-<hex>.sig` image in the artifact's repository whose
 * layers are simple-signing payloads, each carrying its signature, certificate, chain and Rekor
 * bundle as annotations. Shapes follow cosign (Apache-2.0) pkg/oci/static, pkg/oci/mutate,
 * pkg/cosign/bundle and sigstore/sigstore pkg/signature/payload, marshalled as Go would, so a
 * signature we append looks exactly like one `cosign sign` (v2) appends.
 */
import type { SerializedBundle } from '@sigstore/bundle';
import type { RegistryClient } from '../oci/client.js';
import { NotFoundError } from '../oci/errors.js';
import { addToSharedTag } from '../oci/shared-tag.js';
import { MEDIA_TYPE } from '../oci/types.js';
import { digestOf } from '../util/digest.js';
import { goJSON, sortedMap } from '../util/go-json.js';
import { allSettled } from '../util/settle.js';
import type { ArtifactSigner, MessageSignature } from './signer.js';
import {
  COSIGN_ANNOTATION,
  COSIGN_SIMPLESIGNING_MEDIA_TYPE,
  COSIGN_SIMPLESIGNING_TYPE,
  cosignSignatureTag,
  type Descriptor,
  type RekorBundle,
  type RFC3161TimestampAnnotation,
} from './types.js';

/**
 * The simple-signing payload cosign signs: `payload.Cosign{Image, ClaimedIdentity, Annotations}`
 * marshalled by Go. `dockerReference` is the repository name (registry/path, no tag or digest);
 * `optional` is `null` without annotations, else the annotations with sorted keys.
 */
export function simpleSigningPayload(
  dockerReference: string,
  digest: string,
  annotations?: Record<string, string>,
): Buffer {
  const hasAnnotations = annotations !== undefined && Object.keys(annotations).length > 0;
  return Buffer.from(
    goJSON({
      critical: {
        identity: { 'docker-reference': dockerReference },
        image: { 'docker-manifest-digest': digest },
        type: COSIGN_SIMPLESIGNING_TYPE,
      },
      optional: hasAnnotations ? sortedMap(annotations) : null,
    }),
  );
}

/** `dev.sigstore.cosign/bundle` value from a sigstore-js bundle's first (Rekor v1) tlog entry. */
export function rekorBundleAnnotation(bundle: SerializedBundle): string | undefined {
  const entry = bundle.verificationMaterial.tlogEntries?.[0];
  const set = entry?.inclusionPromise?.signedEntryTimestamp;
  if (!entry || !set) return undefined;
  const value: RekorBundle = {
    SignedEntryTimestamp: set,
    Payload: {
      body: entry.canonicalizedBody,
      integratedTime: Number(entry.integratedTime),
      logIndex: Number(entry.logIndex),
      logID: Buffer.from(entry.logId.keyId, 'base64').toString('hex'),
    },
  };
  return goJSON(value);
}

/** `dev.sigstore.cosign/rfc3161timestamp` value, when the bundle carries a TSA timestamp. */
function timestampAnnotation(bundle: SerializedBundle): string | undefined {
  const ts =
    bundle.verificationMaterial.timestampVerificationData?.rfc3161Timestamps?.[0]?.signedTimestamp;
  if (!ts) return undefined;
  const value: RFC3161TimestampAnnotation = { SignedRFC3161Timestamp: ts };
  return goJSON(value);
}

/** The layer descriptor of one signature (annotations in Go's sorted key order). */
export function signatureLayer(payload: Buffer, sig: MessageSignature): Descriptor {
  const annotations: Record<string, string> = {
    [COSIGN_ANNOTATION.signature]: sig.signature.toString('base64'),
  };
  if (sig.certificatePEM) {
    annotations[COSIGN_ANNOTATION.certificate] = sig.certificatePEM;
    // cosign writes the chain key whenever it has a certificate (possibly empty).
    annotations[COSIGN_ANNOTATION.chain] = sig.chainPEM.join('');
  }
  const rekor = rekorBundleAnnotation(sig.bundle);
  if (rekor) annotations[COSIGN_ANNOTATION.bundle] = rekor;
  const ts = timestampAnnotation(sig.bundle);
  if (ts) annotations[COSIGN_ANNOTATION.rfc3161Timestamp] = ts;
  return {
    mediaType: COSIGN_SIMPLESIGNING_MEDIA_TYPE,
    size: payload.length,
    digest: digestOf(payload),
    annotations: sortedMap(annotations),
  };
}

/**
 * The config blob go-containerregistry's `mutate.Append` on an empty image gives: one history
 * entry and one diff_id per layer (a signature layer's diff_id is its digest: it is not compressed).
 */
export function signatureConfig(layers: readonly Pick<Descriptor, 'digest'>[]): Buffer {
  return Buffer.from(
    goJSON({
      architecture: '',
      created: '0001-01-01T00:00:00Z',
      history: layers.map(() => ({ created: '0001-01-01T00:00:00Z' })),
      os: '',
      rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) },
      config: {},
    }),
  );
}

/** The `.sig` image manifest (and its config) for `layers`. */
export function signatureImage(layers: readonly Descriptor[]): {
  manifest: Buffer;
  config: Buffer;
} {
  const config = signatureConfig(layers);
  const manifest = Buffer.from(
    goJSON({
      schemaVersion: 2,
      mediaType: MEDIA_TYPE.ociManifest,
      config: {
        mediaType: MEDIA_TYPE.ociImageConfig,
        size: config.length,
        digest: digestOf(config),
      },
      layers: layers.map(descriptorJSON),
    }),
  );
  return { manifest, config };
}

/** `existing` plus `layer`, unless an identical signature (digest and annotations) is there. */
export function appendSignature(
  existing: readonly Descriptor[],
  layer: Descriptor,
): Descriptor[] | undefined {
  if (existing.some((l) => sameSignature(l, layer))) return undefined;
  return [...existing, layer];
}

function sameSignature(a: Descriptor, b: Descriptor): boolean {
  if (a.digest !== b.digest || a.mediaType !== b.mediaType) return false;
  const ka = Object.keys(a.annotations ?? {}).sort();
  const kb = Object.keys(b.annotations ?? {}).sort();
  return (
    ka.length === kb.length &&
    ka.every((k, i) => k === kb[i] && a.annotations?.[k] === b.annotations?.[k])
  );
}

/** go-containerregistry `v1.Descriptor` field order. */
function descriptorJSON(d: Descriptor): Record<string, unknown> {
  const out: Record<string, unknown> = { mediaType: d.mediaType, size: d.size, digest: d.digest };
  if (d.annotations && Object.keys(d.annotations).length > 0)
    out.annotations = sortedMap(d.annotations);
  if (d.artifactType) out.artifactType = d.artifactType;
  return out;
}

// ---- registry writer ---------------------------------------------------------------------------

export interface CosignV2Options {
  client: RegistryClient;
  /** Artifact manifest digest (`sha256:<hex>`). */
  digest: string;
  signer: ArtifactSigner;
  /** `-a key=value` annotations that go into the payload's `optional`. */
  annotations?: Record<string, string>;
  /** Attempts of the read-merge-write of the `.sig` tag (default 12). */
  attempts?: number;
  /** The artifact's manifest is stored once this resolves: the `.sig` tag is written after it. */
  stored?: Promise<unknown>;
}

export interface CosignV2Result {
  tag: string;
  /** Digest of the `.sig` manifest as written. */
  manifestDigest: string;
  layer: Descriptor;
  /** The Sigstore message-signature bundle of this signature (its Rekor entry, if logged). */
  bundle?: SerializedBundle;
}

/** Writers of one client are serialised per digest (other clients/processes race and merge). */
const locks = new WeakMap<RegistryClient, Map<string, Promise<unknown>>>();

/**
 * Signs the simple-signing payload of `digest` and appends the signature to the `sha256-<hex>.sig`
 * image, keeping every other signature there. Concurrent writers (other jobs) are handled by
 * read → merge → PUT → re-read until our layer is seen; writers in this process are serialised.
 */
export async function writeCosignV2Signature(options: CosignV2Options): Promise<CosignV2Result> {
  const { client, digest } = options;
  const payload = simpleSigningPayload(client.repository.name, digest, options.annotations);
  const payloadDigest = digestOf(payload);
  // While the payload is signed: its blob, and the config of a `.sig` image holding only our
  // signature (the config lists layer digests only, known before signing), which is what the
  // merge needs when the digest has no `.sig` yet, so its write then needs no round trip first.
  // Both are new for a new digest (no HEAD first); a re-upload of an existing one is harmless.
  const uploaded = new Set<string>();
  const alone = signatureConfig([{ digest: payloadDigest }]);
  const [sig] = await allSettled([
    options.signer.signMessage(payload),
    client.uploadBlob({ bytes: payload }, payloadDigest, payload.length, { fresh: true }),
    client
      .uploadBlob({ bytes: alone }, digestOf(alone), alone.length, { fresh: true })
      .then(() => uploaded.add(digestOf(alone)))
      // Not fatal here: the merge's prepare uploads it again and reports what goes wrong.
      .catch(() => {}),
  ]);
  const layer = signatureLayer(payload, sig);

  let clientLocks = locks.get(client);
  if (!clientLocks) {
    clientLocks = new Map();
    locks.set(client, clientLocks);
  }
  const previous = clientLocks.get(digest) ?? Promise.resolve();
  const run = previous
    .catch(() => {})
    .then(() => mergeIntoSigTag(client, digest, layer, options.attempts, uploaded, options.stored));
  clientLocks.set(digest, run);
  try {
    return { ...(await run), bundle: sig.bundle };
  } finally {
    if (clientLocks.get(digest) === run) clientLocks.delete(digest);
  }
}

async function mergeIntoSigTag(
  client: RegistryClient,
  digest: string,
  layer: Descriptor,
  attempts: number | undefined,
  /** Config blobs already stored by this writer. */
  uploaded: Set<string>,
  /** The artifact's manifest is stored: the tag's first read goes out before, its PUT after. */
  stored: Promise<unknown> | undefined,
): Promise<CosignV2Result> {
  const tag = cosignSignatureTag(digest);
  const image = (layers: readonly Descriptor[]) => signatureImage(layers);
  const result = await addToSharedTag<Descriptor>({
    store: {
      read: async () => {
        const fetched = await client.readForUpdate(tag, MEDIA_TYPE.ociManifest);
        if (!fetched) return { entries: [] };
        const manifest = JSON.parse(fetched.bytes.toString('utf8')) as { layers?: Descriptor[] };
        return {
          entries: manifest.layers ?? [],
          digest: fetched.digest,
          ...(fetched.etag ? { etag: fetched.etag } : {}),
        };
      },
      head: async () => (await client.headManifest(tag))?.digest,
      prepare: async (layers) => {
        const { config } = image(layers);
        const configDigest = digestOf(config);
        if (uploaded.has(configDigest)) return false; // stored already: no round trip
        // It lists our new signature: the registry cannot have it yet (no HEAD first).
        await client.uploadBlob({ bytes: config }, configDigest, config.length, { fresh: true });
        uploaded.add(configDigest);
        return true;
      },
      write: (layers, condition, sendIf) =>
        client.putManifestOnce(
          tag,
          image(layers).manifest,
          MEDIA_TYPE.ociManifest,
          condition,
          sendIf,
        ),
    },
    key: signatureKey,
    ours: layer,
    label: `${client.repository.name}:${tag}`,
    registry: client.repository.registry,
    ...(attempts ? { attempts } : {}),
    ...(stored ? { ready: stored } : {}),
    ...client.sharedTagLimits(),
  });
  return { tag, manifestDigest: result.digest, layer };
}

/** Identity of a signature layer: its digest, media type and annotations (sorted). */
function signatureKey(d: Descriptor): string {
  const annotations = Object.entries(d.annotations ?? {}).sort(([a], [b]) => (a < b ? -1 : 1));
  return JSON.stringify([d.digest, d.mediaType, annotations]);
}

/** Layers of the `.sig` image at `tag` (empty when there is none). */
export async function readSignatureLayers(
  client: RegistryClient,
  tag: string,
): Promise<{ layers: Descriptor[]; digest?: string }> {
  try {
    const fetched = await client.getManifest(tag);
    const manifest = JSON.parse(fetched.bytes.toString('utf8')) as { layers?: Descriptor[] };
    return { layers: manifest.layers ?? [], digest: fetched.digest };
  } catch (err) {
    if (err instanceof NotFoundError) return { layers: [] };
    throw err;
  }
}
