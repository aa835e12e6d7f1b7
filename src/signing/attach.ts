/**
 * Sign an artifact already in a registry, by digest, in the cosign v2 and/or v3 storage formats.
 *
 *   const result = await signArtifact({ client, digest, format: 'both', signer });
 *   // result.certificateIdentity / certificateOidcIssuer: what matchOIDCIdentity must match
 */
import type { RegistryClient } from '../oci/client.js';
import { allSettled } from '../util/settle.js';
import { type CosignV2Result, writeCosignV2Signature } from './cosign-v2.js';
import { type CosignV3Result, writeCosignV3Signature } from './cosign-v3.js';
import type { ArtifactSigner } from './signer.js';
import type { SignatureFormat, StoredFormat } from './types.js';

export interface SignArtifactOptions {
  client: RegistryClient;
  /** Repository name for the payload's docker-reference (default: the client's, `registry/path`). */
  repository?: string;
  /** Artifact manifest digest; signing is by digest only. */
  digest: string;
  format: SignatureFormat;
  signer: ArtifactSigner;
  /** Annotations signed with the artifact (`cosign sign -a`). */
  annotations?: Record<string, string>;
  /** The artifact's descriptor when the caller just pushed it (else it is read: one HEAD). */
  subject?: { mediaType: string; size: number; digest: string };
  /**
   * Settles when the artifact's manifest is stored, when it is being pushed while signing: each
   * signature is made and its blobs uploaded meanwhile, and it is written where verifiers look
   * (the `.sig` tag, the referrer and referrers tag) only after this resolves.
   */
  stored?: Promise<unknown>;
}

export interface SignArtifactResult {
  formats: StoredFormat[];
  /** Keyless: the certificate SAN. */
  certificateIdentity?: string;
  /** Keyless: the certificate's OIDC issuer. */
  certificateOidcIssuer?: string;
  /** Key-based: the public key PEM. */
  publicKey?: string;
  cosignV2?: CosignV2Result;
  cosignV3?: CosignV3Result;
}

const DIGEST = /^sha256:[0-9a-f]{64}$/;

export async function signArtifact(options: SignArtifactOptions): Promise<SignArtifactResult> {
  const { client, digest, signer } = options;
  if (!DIGEST.test(digest)) throw new Error(`signArtifact: ${digest} is not a sha256 digest`);
  if (options.repository && options.repository !== client.repository.name) {
    throw new Error(
      `signArtifact: repository ${options.repository} is not the client's ${client.repository.name}`,
    );
  }
  const formats: StoredFormat[] =
    options.format === 'both' ? ['cosign-v2', 'cosign-v3'] : [options.format];
  const result: SignArtifactResult = { formats };
  // Both formats at once: the keyless signer shares one certificate between them.
  // A format that fails waits for the other before the step reports it (nothing outlives it).
  await allSettled(
    formats.map(async (format) => {
      if (format === 'cosign-v2') {
        result.cosignV2 = await writeCosignV2Signature({
          client,
          digest,
          signer,
          ...(options.annotations ? { annotations: options.annotations } : {}),
          ...(options.stored ? { stored: options.stored } : {}),
        });
      } else {
        result.cosignV3 = await writeCosignV3Signature({
          client,
          digest,
          signer,
          ...(options.subject ? { subject: options.subject } : {}),
          ...(options.annotations ? { annotations: options.annotations } : {}),
          ...(options.stored ? { stored: options.stored } : {}),
        });
      }
    }),
  );
  const identity = signer.identity();
  if (identity) {
    result.certificateIdentity = identity.certificateIdentity;
    result.certificateOidcIssuer = identity.certificateOidcIssuer;
  }
  const publicKey = signer.publicKeyPEM();
  if (publicKey) result.publicKey = publicKey;
  return result;
}
