// Retry policy: which failures are worth another attempt and how long to wait, modelled on
// ggcr's retry transport (429/5xx/transient network errors) with exponential backoff, full
// jitter and Retry-After. Never 401/403/404: those need the user, not patience.

export interface RetryOptions {
  /** Attempts in total, first one included. Default 5. */
  maxAttempts?: number;
  /** First backoff ceiling; doubles each retry. Default 1000 ms. */
  baseDelayMs?: number;
  /** Backoff ceiling. Default 30 s. */
  maxDelayMs?: number;
  /** Longest Retry-After we honour; longer values are capped to this. Default 60 s. */
  maxRetryAfterMs?: number;
  /** Source of jitter in [0, 1); injectable for tests. */
  random?: () => number;
}

export const RETRY_STATUSES: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504]);

/** Errors raised before the request reached the server: safe to repeat for any method. */
const CONNECT_ERRORS = new Set([
  'ECONNREFUSED',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);
/** Errors that may strike after the server saw (part of) the request: only for idempotent ones. */
const MIDFLIGHT_ERRORS = new Set([
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

export function errorCode(err: unknown): string | undefined {
  let e: unknown = err;
  // undici wraps the socket error in `cause`; look a few levels down.
  for (let depth = 0; depth < 4 && e && typeof e === 'object'; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && (CONNECT_ERRORS.has(code) || MIDFLIGHT_ERRORS.has(code))) {
      return code;
    }
    e = (e as { cause?: unknown }).cause;
  }
  const top = (err as { code?: unknown } | undefined)?.code;
  return typeof top === 'string' ? top : undefined;
}

export function isRetryableNetworkError(err: unknown, idempotent: boolean): boolean {
  const code = errorCode(err);
  if (code === undefined) return false;
  return CONNECT_ERRORS.has(code) || (idempotent && MIDFLIGHT_ERRORS.has(code));
}

/** Full-jitter exponential backoff for retry number `retry` (1 = first retry). */
export function backoffDelay(retry: number, options: RetryOptions = {}): number {
  const base = options.baseDelayMs ?? 1000;
  const max = options.maxDelayMs ?? 30_000;
  const ceiling = Math.min(max, base * 2 ** Math.max(0, retry - 1));
  return Math.floor((options.random ?? Math.random)() * ceiling);
}

/** Retry-After as milliseconds (delta-seconds or HTTP-date), capped; undefined if absent/bad. */
export function parseRetryAfter(
  value: string | undefined,
  options: RetryOptions = {},
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

/** Sleeps, waking early with the signal's reason when it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
