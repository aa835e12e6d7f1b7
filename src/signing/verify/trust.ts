/**
 * Trust material for verification: a Sigstore `trusted_root.json` (Flux's
 * `verify.trustedRootSecretRef`) or the public-good root fetched through TUF (Flux's default).
 */
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { type TrustMaterial, toTrustMaterial } from '@sigstore/verify';
import { UserError } from '../../util/errors.js';

export type TrustedRootInput = 'tuf' | string | Record<string, unknown>;

export interface TufOptions {
  /** TUF cache directory (default: @sigstore/tuf's per-user cache). */
  cachePath?: string;
  mirrorURL?: string;
}

export async function loadTrustMaterial(
  trustedRoot: TrustedRootInput,
  input: string,
  tuf: TufOptions = {},
): Promise<TrustMaterial> {
  let root: TrustedRoot;
  if (trustedRoot === 'tuf') {
    try {
      // TUF (tuf-js, its models, minimatch) only for the public-good root.
      const { getTrustedRoot } = await import('@sigstore/tuf');
      root = await getTrustedRoot({
        ...(tuf.cachePath ? { cachePath: tuf.cachePath } : {}),
        ...(tuf.mirrorURL ? { mirrorURL: tuf.mirrorURL } : {}),
      });
    } catch (err) {
      throw new Error(
        `could not fetch the Sigstore public-good trusted root through TUF: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
  } else {
    let json: unknown = trustedRoot;
    if (typeof trustedRoot === 'string') {
      try {
        json = JSON.parse(trustedRoot);
      } catch {
        throw new UserError(
          `${input}: not valid JSON; give the contents of a Sigstore trusted_root.json`,
          input,
        );
      }
    }
    try {
      root = TrustedRoot.fromJSON(json);
    } catch (err) {
      throw new UserError(
        `${input}: not a Sigstore trusted root (${(err as Error).message})`,
        input,
      );
    }
  }
  if (root.certificateAuthorities.length === 0 || root.tlogs.length === 0) {
    throw new UserError(
      `${input}: the trusted root has no certificate authority or no transparency log; keyless verification needs both`,
      input,
    );
  }
  return toTrustMaterial(root);
}
