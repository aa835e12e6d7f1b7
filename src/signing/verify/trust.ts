/**
 * Trust material for verification: a Sigstore `trusted_root.json` (Flux's
 * `verify.trustedRootSecretRef`) or the public-good root fetched through TUF (Flux's default).
 */
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { type TrustMaterial, toTrustMaterial } from '@sigstore/verify';
import { setGlobalDispatcher } from 'undici';
import { SigningError } from '../errors.js';
import { proxyAgent } from '../http.js';

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
    // TUF (tuf-js, its models, minimatch) only for the public-good root.
    const loaded = await import('@sigstore/tuf');
    // A CommonJS package: in the bundle its exports may come as the namespace's `default`.
    const tufModule =
      'getTrustedRoot' in loaded && typeof loaded.getTrustedRoot === 'function'
        ? loaded
        : (loaded as unknown as { default: typeof loaded }).default;
    const { DEFAULT_MIRROR_URL, getTrustedRoot } = tufModule;
    const mirror = tuf.mirrorURL ?? DEFAULT_MIRROR_URL;
    await routeGlobalFetch();
    try {
      root = await getTrustedRoot({
        ...(tuf.cachePath ? { cachePath: tuf.cachePath } : {}),
        ...(tuf.mirrorURL ? { mirrorURL: tuf.mirrorURL } : {}),
      });
    } catch (err) {
      throw new SigningError(
        { code: 'TUF_FETCH_FAILED', mirror, detail: causes(err) },
        { cause: err },
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

/**
 * @sigstore/tuf downloads through tuf-js's fetcher, which calls the global `fetch` and takes no
 * agent, fetcher or proxy from @sigstore/tuf's options. Node's fetch ignores HTTPS_PROXY and
 * NO_PROXY, but sends through undici's global dispatcher, so that becomes the proxy-aware agent
 * Fulcio, Rekor and TSA requests use (TLS with Node's CA store, NODE_EXTRA_CA_CERTS included).
 * It stays set: any later global fetch of this one-shot process honours the proxy too, as under
 * Node's NODE_USE_ENV_PROXY=1.
 */
async function routeGlobalFetch(): Promise<void> {
  setGlobalDispatcher(await proxyAgent().undiciAgent());
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
