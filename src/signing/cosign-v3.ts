/**
 * The cosign v3 signature format: a Sigstore bundle v0.3 over a DSSE envelope of the in-toto
 * statement `cosign sign` (v3) creates, attached to the artifact as an OCI 1.1 referrer (or, on
 * registries without the referrers API, listed in the `sha256-<hex>` referrers tag). Shapes follow
 * cosign (Apache-2.0) cmd/cosign/cli/sign/sign.go `signDigestBundle` and pkg/oci/remote/write.go
 * `WriteAttestationNewBundleFormat`/`WriteReferrer`.
 */
import type { RegistryClient } from '../oci/client.js';
import { MEDIA_TYPE } from '../oci/types.js';
import { digestOf } from '../util/digest.js';
import { goJSON, sortedMap } from '../util/go-json.js';
import { allSettled } from '../util/settle.js';
import type { ArtifactSigner } from './signer.js';
import {
  BUNDLE_ANNOTATION,
  COSIGN_SIGN_PREDICATE_TYPE,
  type Descriptor,
  IN_TOTO_PAYLOAD_TYPE,
  IN_TOTO_STATEMENT_V1_TYPE,
  OCI_EMPTY_CONFIG,
  SIGSTORE_BUNDLE_V03_MEDIA_TYPE,
} from './types.js';

/**
 * The in-toto v1 statement cosign v3 signs for `digest`: subject without a name, carrying the
 * `-a` annotations (an empty object without them: protojson of an empty Struct), predicate `{}`.
 */
export function signStatement(digest: string, annotations: Record<string, string> = {}): Buffer {
  const [algorithm, hex] = digest.split(':');
  if (!algorithm || !hex) throw new Error(`not a digest: ${digest}`);
  return Buffer.from(
    goJSON({
      _type: IN_TOTO_STATEMENT_V1_TYPE,
      subject: [{ digest: { [algorithm]: hex }, annotations: sortedMap(annotations) }],
      predicateType: COSIGN_SIGN_PREDICATE_TYPE,
      predicate: {},
    }),
  );
}

/** Format of `org.opencontainers.image.created` (Go `time.RFC3339` in UTC, seconds). */
export function rfc3339(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

/**
 * The referrer manifest: go-containerregistry `v1.Manifest` fields, then cosign's extra
 * `artifactType`; the empty config descriptor carries the artifactType too, as cosign writes it.
 */
export function bundleReferrerManifest(options: {
  bundle: Buffer;
  subject: Descriptor;
  created: Date;
  predicateType?: string;
}): Buffer {
  return Buffer.from(
    goJSON({
      schemaVersion: 2,
      mediaType: MEDIA_TYPE.ociManifest,
      config: {
        mediaType: OCI_EMPTY_CONFIG.mediaType,
        size: OCI_EMPTY_CONFIG.size,
        digest: OCI_EMPTY_CONFIG.digest,
        artifactType: SIGSTORE_BUNDLE_V03_MEDIA_TYPE,
      },
      layers: [
        {
          mediaType: SIGSTORE_BUNDLE_V03_MEDIA_TYPE,
          size: options.bundle.length,
          digest: digestOf(options.bundle),
        },
      ],
      annotations: sortedMap({
        [BUNDLE_ANNOTATION.content]: 'dsse-envelope',
        [BUNDLE_ANNOTATION.predicateType]: options.predicateType ?? COSIGN_SIGN_PREDICATE_TYPE,
        [BUNDLE_ANNOTATION.created]: rfc3339(options.created),
      }),
      subject: {
        mediaType: options.subject.mediaType,
        size: options.subject.size,
        digest: options.subject.digest,
      },
      artifactType: SIGSTORE_BUNDLE_V03_MEDIA_TYPE,
    }),
  );
}

export interface CosignV3Options {
  client: RegistryClient;
  /** Artifact manifest digest (`sha256:<hex>`). */
  digest: string;
  signer: ArtifactSigner;
  annotations?: Record<string, string>;
  /** Clock for the `created` annotation (tests). */
  now?: () => Date;
  /** The artifact's descriptor, when known (saves a HEAD). */
  subject?: { mediaType: string; size: number; digest: string };
  /** The artifact's manifest is stored once this resolves: the referrer is put after it. */
  stored?: Promise<unknown>;
}

export interface CosignV3Result {
  /** Digest of the referrer manifest. */
  referrerDigest: string;
  /** The bundle JSON as stored. */
  bundle: Buffer;
}

/** Signs the statement for `digest` and attaches the bundle as a referrer of the artifact. */
export async function writeCosignV3Signature(options: CosignV3Options): Promise<CosignV3Result> {
  const { client, digest } = options;
  const statement = signStatement(digest, options.annotations);
  // Round trips that do not depend on the signature run while it is made, the bundle's upload
  // session among them. The bundle holds a signature made just now: the registry cannot have it,
  // so no HEAD first.
  const bundleUpload = client.openUpload('the signature bundle blob');
  let bundle: Buffer;
  let subject: { mediaType: string; size: number; digest: string } | undefined;
  try {
    const [found, bundleJSON] = await allSettled([
      options.subject?.digest === digest ? options.subject : client.headManifest(digest),
      options.signer.signDSSE(statement, IN_TOTO_PAYLOAD_TYPE),
      client.uploadBlob(
        { bytes: Buffer.from('{}') },
        OCI_EMPTY_CONFIG.digest,
        OCI_EMPTY_CONFIG.size,
      ),
      client.referrersApiSupported(digest),
    ]);
    subject = found;
    if (!subject) throw new Error(`${client.repository.name}@${digest} is not in the registry`);
    bundle = Buffer.from(JSON.stringify(bundleJSON));
    await bundleUpload.upload({ bytes: bundle }, digestOf(bundle), bundle.length);
  } finally {
    await bundleUpload.settle();
  }
  const manifest = bundleReferrerManifest({
    bundle,
    subject: { mediaType: subject.mediaType, size: subject.size, digest: subject.digest },
    created: (options.now ?? (() => new Date()))(),
  });
  // Written where verifiers look only once the artifact's manifest is stored (putReferrer).
  const referrerDigest = await client.putReferrer(manifest, MEDIA_TYPE.ociManifest, options.stored);
  return { referrerDigest, bundle };
}
