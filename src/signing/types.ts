/**
 * Types and constants shared by the signers (src/signing/*.ts) and the Flux-rules verifier
 * (src/signing/verify/). Values follow cosign (Apache-2.0): pkg/oci/static/options.go,
 * pkg/cosign/bundle/rekor.go, pkg/types/predicate.go, and the Sigstore bundle spec.
 */

import { referrersTagFor } from '../oci/reference.js';
import { MEDIA_TYPE, type Descriptor as OciDescriptor } from '../oci/types.js';

/** `signature-format` input: cosign v3 bundle referrer (default), cosign v2 `.sig` tag, or both. */
export type SignatureFormat = 'cosign-v2' | 'cosign-v3' | 'both';
export const SIGNATURE_FORMATS: readonly SignatureFormat[] = ['cosign-v2', 'cosign-v3', 'both'];

/** One concrete storage format (what `both` expands to). */
export type StoredFormat = 'cosign-v2' | 'cosign-v3';

/** Supplies the OIDC identity token (audience `sigstore`); given to the keyless signer by the entry point. */
export interface IdentityProvider {
  getToken(): Promise<string>;
}

/** What a `matchOIDCIdentity` entry must match for a keyless signature. */
export interface CertificateIdentity {
  /** The certificate's SAN (URI), e.g. `https://github.com/org/repo/.github/workflows/x.yaml@refs/heads/main`. */
  certificateIdentity: string;
  /** The OIDC issuer extension (1.3.6.1.4.1.57264.1.8 / .1.1). */
  certificateOidcIssuer: string;
}

/** An OCI content descriptor (src/oci's); writers emit its keys in go-containerregistry's order. */
export type Descriptor = OciDescriptor;

// ---- OCI (media types: src/oci/types.ts) -----------------------------------------------------

/** The two-byte `{}` empty config blob of OCI 1.1 artifacts. */
export const OCI_EMPTY_CONFIG: Descriptor = {
  mediaType: MEDIA_TYPE.ociEmpty,
  size: 2,
  digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
};

// ---- cosign v2 (`sha256-<hex>.sig` tag) ------------------------------------------------------

export const COSIGN_SIMPLESIGNING_MEDIA_TYPE = 'application/vnd.dev.cosign.simplesigning.v1+json';
export const COSIGN_SIMPLESIGNING_TYPE = 'cosign container image signature';

/** Layer annotations of a cosign v2 signature. */
export const COSIGN_ANNOTATION = {
  signature: 'dev.cosignproject.cosign/signature',
  certificate: 'dev.sigstore.cosign/certificate',
  chain: 'dev.sigstore.cosign/chain',
  bundle: 'dev.sigstore.cosign/bundle',
  rfc3161Timestamp: 'dev.sigstore.cosign/rfc3161timestamp',
} as const;

/** JSON of cosign's `bundle.RekorBundle` (the `dev.sigstore.cosign/bundle` annotation). */
export interface RekorBundle {
  /** Standard base64 of the SET (Rekor's signature over the canonical Payload). */
  SignedEntryTimestamp: string;
  Payload: {
    /** Standard base64 of the canonicalized Rekor entry. */
    body: string;
    integratedTime: number;
    logIndex: number;
    /** Hex SHA-256 of the log's DER public key. */
    logID: string;
  };
}

/** JSON of cosign's `bundle.RFC3161Timestamp` (the `dev.sigstore.cosign/rfc3161timestamp` annotation). */
export interface RFC3161TimestampAnnotation {
  /** Standard base64 of the DER TimeStampResponse. */
  SignedRFC3161Timestamp: string;
}

/** `sha256:<hex>` → `sha256-<hex>.sig` (cosign v2 signature tag). */
export function cosignSignatureTag(digest: string): string {
  return `${referrersTagFor(digest)}.sig`;
}

// ---- cosign v3 (Sigstore bundle referrer) ----------------------------------------------------

/** What every Sigstore bundle media type starts with (v0.1 … v0.3, `+json`). */
export const SIGSTORE_BUNDLE_MEDIA_TYPE_PREFIX = 'application/vnd.dev.sigstore.bundle';
export const SIGSTORE_BUNDLE_V03_MEDIA_TYPE = `${SIGSTORE_BUNDLE_MEDIA_TYPE_PREFIX}.v0.3+json`;
export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
export const IN_TOTO_STATEMENT_V1_TYPE = 'https://in-toto.io/Statement/v1';
/** Predicate type of the statement `cosign sign` (v3) signs. */
export const COSIGN_SIGN_PREDICATE_TYPE = 'https://sigstore.dev/cosign/sign/v1';

/** Manifest annotations of a cosign v3 bundle referrer. */
export const BUNDLE_ANNOTATION = {
  content: 'dev.sigstore.bundle.content',
  predicateType: 'dev.sigstore.bundle.predicateType',
  created: 'org.opencontainers.image.created',
} as const;

export const DEFAULT_FULCIO_URL = 'https://fulcio.sigstore.dev';
export const DEFAULT_REKOR_URL = 'https://rekor.sigstore.dev';
