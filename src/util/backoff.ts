// How long to wait before another attempt of an HTTP request, for registry and Sigstore calls
// alike: exponential backoff with jitter (as ggcr's retry transport), or the server's
// Retry-After when it sends one. Which statuses are worth a retry: 408, 429 and the 5xx of an
// overloaded or restarting server; never 401/403/404 (those need the user, not patience).

export interface BackoffOptions {
  /** First backoff ceiling; doubles each retry. Default 1000 ms. */
  baseDelayMs?: number;
  /** Backoff ceiling. Default 30 s. */
  maxDelayMs?: number;
  /** Longest Retry-After we honour; longer values are capped to this. Default 60 s. */
  maxRetryAfterMs?: number;
  /**
   * `full` (default): anywhere in [0, ceiling); `equal`: in [ceiling/2, ceiling), for loops
   * that must not retry at once (a shared tag's read-merge-write).
   */
  jitter?: 'full' | 'equal';
  /** Source of jitter in [0, 1); injectable for tests. */
  random?: () => number;
}

export const RETRY_STATUSES: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504]);

/** Exponential backoff with jitter for retry number `retry` (1 = first retry). */
export function backoffDelay(retry: number, options: BackoffOptions = {}): number {
  const base = options.baseDelayMs ?? 1000;
  const max = options.maxDelayMs ?? 30_000;
  const ceiling = Math.min(max, base * 2 ** Math.max(0, retry - 1));
  const r = (options.random ?? Math.random)();
  return Math.floor(options.jitter === 'equal' ? ceiling * (0.5 + r / 2) : r * ceiling);
}

/** Retry-After as milliseconds (delta-seconds or HTTP-date), capped; undefined if absent/bad. */
export function parseRetryAfter(
  value: string | null | undefined,
  options: BackoffOptions = {},
  now = Date.now(),
): number | undefined {
  if (!value) return undefined;
  const cap = options.maxRetryAfterMs ?? 60_000;
  const v = value.trim();
  let ms: number;
  if (/^\d+$/.test(v)) ms = Number(v) * 1000;
  else {
    const at = Date.parse(v);
    if (Number.isNaN(at)) return undefined;
    ms = Math.max(0, at - now);
  }
  return Math.min(ms, cap);
}

/** The wait before retry number `retry`: the server's Retry-After if it sent one, else backoff. */
export function retryDelay(
  retry: number,
  retryAfter: string | null | undefined,
  options: BackoffOptions = {},
): number {
  return parseRetryAfter(retryAfter, options) ?? backoffDelay(retry, options);
}
