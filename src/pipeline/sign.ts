// The sign flow: sign the digest a ref points at now, never the tag (a tag may move while we
// sign). No GitHub knowledge: src/github/sign.ts sets up the signer and writes outputs/summary.
import type { RegistryClient } from '../oci/client.js';
import { isDigest } from '../oci/reference.js';
import type { FetchedManifest } from '../oci/types.js';
import type { SignArtifactResult } from '../signing/attach.js';

/** Signs a pushed digest; runs after the push and before any tag moves. */
export type SignStep<R extends SignArtifactResult = SignArtifactResult> = ((
  client: RegistryClient,
  digest: string,
  /** The manifest as pushed (saves a HEAD for the referrer's subject). */
  subject?: { mediaType: string; size: number },
  /**
   * Settles when the manifest is stored (publish signs while it pushes): the signatures are
   * made (Fulcio, Rekor, their blobs) meanwhile and written to the shared tags and as referrers
   * only after it resolves; a rejection stops the signing with that error.
   */
  stored?: Promise<unknown>,
) => Promise<R>) & {
  /** Called once a signature will follow: see ArtifactSigner.warmUp. */
  warmUp?: (signal?: AbortSignal) => Promise<void>;
  /**
   * Settles when the step can sign (a cosign key is decrypted), rejecting with the signing
   * input's error (a wrong password). The step may be called before: it starts what needs no
   * key at once. A caller that must report a bad signing input first awaits it.
   */
  ready?: Promise<unknown>;
  /**
   * What the stored signature will report, as far as known now (keyless: the identity once the
   * certificate is issued): a caller prepares its report from it while the signature settles.
   */
  expected?: () => R;
};

/**
 * Looks the ref up while the signer is set up (a cosign key's scrypt runs off the main thread);
 * a bad signing setup is reported before a failed lookup.
 */
export async function signRef<R extends SignArtifactResult>(
  client: RegistryClient,
  ref: string,
  signer: Promise<SignStep<R>>,
  steps: {
    log: (line: string) => void;
    /** The signature is not confirmed stored: called before the error is rethrown. */
    signFailed: (manifest: FetchedManifest) => void;
  },
): Promise<{ manifest: FetchedManifest; signed: R }> {
  signer.catch(() => {});
  const manifest = await client.getManifest(ref).catch(async (err: unknown) => {
    await (await signer).ready; // a bad signing input is reported first, as before
    throw err;
  });
  const sign = await signer;
  if (!isDigest(ref)) steps.log(`${client.repository.name}:${ref} is ${manifest.digest}`);
  const subject = { mediaType: manifest.mediaType, size: manifest.bytes.length };
  const signing = sign(client, manifest.digest, subject);
  signing.catch(() => {});
  // A bad signing input is the step's error, not a signature that failed to be stored.
  await sign.ready?.catch(async (err: unknown) => {
    await signing.catch(() => {});
    throw err;
  });
  const signed = await signing.catch((err: unknown) => {
    steps.signFailed(manifest);
    throw err;
  });
  return { manifest, signed };
}
