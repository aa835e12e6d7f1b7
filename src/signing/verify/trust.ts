/**
 * Trust material for verification: a Sigstore `trusted_root.json` (Flux's
 * `verify.trustedRootSecretRef`) or the public-good root fetched through TUF (Flux's default).
 */
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { DEFAULT_MIRROR_URL, getTrustedRoot } from '@sigstore/tuf';
import { type TrustMaterial, toTrustMaterial } from '@sigstore/verify';
import { setGlobalDispatcher } from 'undici';
import { UserError } from '../../util/errors.js';
import { proxyAgent } from '../http.js';

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
    const mirror = tuf.mirrorURL ?? DEFAULT_MIRROR_URL;
    routeGlobalFetch();
    try {
      root = await getTrustedRoot({
        ...(tuf.cachePath ? { cachePath: tuf.cachePath } : {}),
        ...(tuf.mirrorURL ? { mirrorURL: tuf.mirrorURL } : {}),
      });
    } catch (err) {
      throw new UserError(
        `could not fetch Sigstore's public-good trusted root from its TUF repository ${mirror} (${causes(err)}): check HTTPS_PROXY/NO_PROXY and NODE_EXTRA_CA_CERTS for that host (docs/network.md), or set ${input} to a trusted_root.json`,
        input,
        { cause: err },
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

/**
 * @sigstore/tuf downloads through tuf-js's fetcher, which calls the global `fetch` and takes no
 * agent, fetcher or proxy from @sigstore/tuf's options. Node's fetch ignores HTTPS_PROXY and
 * NO_PROXY, but sends through undici's global dispatcher, so that becomes the proxy-aware agent
 * Fulcio, Rekor and TSA requests use (TLS with Node's CA store, NODE_EXTRA_CA_CERTS included).
 * It stays set: any later global fetch of this one-shot process honours the proxy too, as under
 * Node's NODE_USE_ENV_PROXY=1.
 */
function routeGlobalFetch(): void {
  setGlobalDispatcher(proxyAgent());
}

/** "error refreshing TUF metadata: fetch failed: getaddrinfo ENOTFOUND …", one line, bounded. */
function causes(err: unknown): string {
  const parts: string[] = [];
  let e: unknown = err;
  for (let depth = 0; depth < 5 && e instanceof Error; depth++) {
    const status = (e as { statusCode?: unknown }).statusCode;
    const line =
      (e.message.split('\n')[0] ?? '') + (typeof status === 'number' ? ` (HTTP ${status})` : '');
    if (line && !parts.includes(line)) parts.push(line);
    e = e.cause;
  }
  return (parts.join(': ') || String(err)).slice(0, 300);
}
