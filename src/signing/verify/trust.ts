/**
 * Trust material for verification: a Sigstore `trusted_root.json` (Flux's
 * `verify.trustedRootSecretRef`) or the public-good root fetched through TUF (Flux's default).
 */
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { getTrustedRoot } from '@sigstore/tuf';
import { type TrustMaterial, toTrustMaterial } from '@sigstore/verify';
import { SigningError } from '../errors.js';

export type TrustedRootInput = 'tuf' | string | Record<string, unknown>;

export interface TufOptions {
  /** TUF cache directory (default: @sigstore/tuf's per-user cache). */
  cachePath?: string;
  mirrorURL?: string;
}

export async function loadTrustMaterial(
  trustedRoot: TrustedRootInput,
  tuf: TufOptions = {},
): Promise<TrustMaterial> {
  let root: TrustedRoot;
  if (trustedRoot === 'tuf') {
    try {
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
        throw new SigningError({ code: 'TRUSTED_ROOT_INVALID', problem: 'json' });
      }
    }
    try {
      root = TrustedRoot.fromJSON(json);
    } catch (err) {
      throw new SigningError({
        code: 'TRUSTED_ROOT_INVALID',
        problem: 'format',
        detail: (err as Error).message,
      });
    }
  }
  if (root.certificateAuthorities.length === 0 || root.tlogs.length === 0) {
    throw new SigningError({ code: 'TRUSTED_ROOT_INVALID', problem: 'incomplete' });
  }
  return toTrustMaterial(root);
}
