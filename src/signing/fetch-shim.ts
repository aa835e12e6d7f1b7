/**
 * Stands in for `make-fetch-happen` inside @sigstore/sign in the bundle (scripts/build.mjs aliases
 * it): sigstore-js calls it with `method`, `headers`, `body`, `timeout` and `retry: false` (it
 * retries itself) and reads `ok`, `status`, `statusText`, `headers.get()` and `json()`, which
 * undici's Response has, and `buffer()` (the TSA client: minipass-fetch's Response only), added
 * here. make-fetch-happen brings an HTTP cache, proxy agents and glob (~380 KB
 * parsed on every signing run) that a one-shot POST to Rekor or a TSA never uses. Requests go
 * through http.ts's proxy-aware agent (HTTPS_PROXY/NO_PROXY), like our own Fulcio client's.
 */
import { fetch } from 'undici';
import { proxyAgent } from './http.js';

export interface ShimOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  timeout?: number;
}

export type ShimResponse = Awaited<ReturnType<typeof fetch>> & { buffer(): Promise<Buffer> };

export default async function fetchShim(
  url: string,
  options: ShimOptions = {},
): Promise<ShimResponse> {
  const res = await fetch(url, {
    dispatcher: proxyAgent(),
    method: options.method ?? 'GET',
    ...(options.headers ? { headers: options.headers } : {}),
    ...(options.body !== undefined ? { body: options.body } : {}),
    redirect: 'follow',
    ...(options.timeout ? { signal: AbortSignal.timeout(options.timeout) } : {}),
  });
  return Object.assign(res, { buffer: async () => Buffer.from(await res.arrayBuffer()) });
}
