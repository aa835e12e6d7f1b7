/**
 * Stands in for `make-fetch-happen` inside @sigstore/sign in the bundle (scripts/build.mjs aliases
 * it): sigstore-js calls it with `method`, `headers`, `body`, `timeout` and `retry: false` (it
 * retries itself) and reads `ok`, `status`, `statusText`, `headers.get()`, `json()` and
 * `buffer()` (the TSA client). make-fetch-happen brings an HTTP cache, proxy agents and glob
 * (~380 KB parsed on every signing run) that a one-shot POST to Rekor or a TSA never uses, and
 * undici's fetch would load the rest of undici (http.ts says why not). Requests go through
 * http.ts's proxy-aware agent (HTTPS_PROXY/NO_PROXY), like our own Fulcio client's; redirects are
 * not followed (a 3xx is reported as such). The body is read before the response is returned.
 */
import { httpRequest } from '../oci/http.js';
import { proxyAgent, statusText } from './http.js';

export interface ShimOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  timeout?: number;
}

/** What sigstore-js reads of a fetch Response. */
export interface ShimResponse {
  ok: boolean;
  status: number;
  statusText: string;
  headers: { get(name: string): string | null };
  json(): Promise<unknown>;
  text(): Promise<string>;
  buffer(): Promise<Buffer>;
}

export default async function fetchShim(
  url: string,
  options: ShimOptions = {},
): Promise<ShimResponse> {
  const timeout = options.timeout ?? 30_000;
  const res = await httpRequest(url, {
    method: options.method ?? 'GET',
    headers: options.headers ?? {},
    ...(options.body !== undefined
      ? { body: typeof options.body === 'string' ? options.body : Buffer.from(options.body) }
      : {}),
    dispatcher: proxyAgent(),
    idleTimeoutMs: timeout,
    ...(options.timeout ? { signal: AbortSignal.timeout(options.timeout) } : {}),
  });
  // Read whole before returning (answers are small): sigstore-js leaves an error's body unread
  // unless it is JSON, and an unread body would keep its connection (and the process) busy.
  const body = await res.bytes();
  const bytes = async () => body;
  return {
    ok: res.status >= 200 && res.status < 300,
    status: res.status,
    statusText: statusText(res.status, res.header('location')),
    headers: { get: (name) => res.header(name) ?? null },
    json: async () => JSON.parse((await bytes()).toString('utf8')) as unknown,
    text: async () => (await bytes()).toString('utf8'),
    buffer: bytes,
  };
}
