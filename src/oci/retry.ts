// Retry policy of registry requests, modelled on ggcr's retry transport: how many attempts,
// which network errors are worth another one (for which methods), and which registry codes
// mean a moment's race. Statuses and waits: src/util/backoff.ts.
import { type BackoffOptions, RETRY_STATUSES } from '../util/backoff.js';
import { RegistryError, RegistryNetworkError } from './errors.js';

export interface RetryOptions extends BackoffOptions {
  /** Attempts in total, first one included. Default 5. */
  maxAttempts?: number;
}

/**
 * Codes a registry answers for a moment while another client is still linking the same blob
 * (two jobs signing one digest upload one payload): worth a fresh attempt.
 */
export const BLOB_RACE_CODES: ReadonlySet<string> = new Set([
  'DIGEST_INVALID',
  'BLOB_UNKNOWN',
  'MANIFEST_BLOB_UNKNOWN',
]);

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

/** Failures worth a fresh read of a shared tag: 429/5xx, blob races, and network errors. */
export function isTransient(err: unknown): boolean {
  if (err instanceof RegistryError) {
    return RETRY_STATUSES.has(err.status) || BLOB_RACE_CODES.has(err.code ?? '');
  }
  if (err instanceof Error && /^timed out talking to registry/.test(err.message)) return true;
  // The transport's typed network failure: resets, stalls, refusals and 5xx are worth a fresh
  // read; an overall deadline is not.
  if (err instanceof RegistryNetworkError) {
    return ['reset', 'stalled', 'refused', 'status'].includes(err.data.failure);
  }
  return isRetryableNetworkError(err, true);
}
