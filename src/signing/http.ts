/**
 * Small JSON-over-HTTP helper for the Sigstore services we call ourselves (Fulcio): per-attempt
 * timeout, bounded retries on 408/429/5xx and network errors (never on other 4xx), waiting as
 * registry requests do (src/util/backoff.ts: `Retry-After`, else jittered exponential backoff).
 *
 * Requests go through the registry transport's one HTTP entry (src/oci/http.ts: node:http, or
 * undici's EnvHttpProxyAgent when HTTPS_PROXY/HTTP_PROXY is set), not undici's fetch (~0.5 MB
 * parsed and ~30 ms of evaluating it on every signing run). Rekor and TSA calls are made by
 * sigstore-js through fetch-shim.ts, which uses this same dispatcher; TUF (verification only)
 * uses its undici agent as undici's global dispatcher. TLS trusts Node's CA store, so
 * NODE_EXTRA_CA_CERTS adds a private CA for all of them.
 * Redirects are not followed (Sigstore's APIs answer where they are asked; a 3xx is an error
 * naming where it points).
 */
import { type Dispatcher, httpRequest, proxyDispatcher } from '../oci/http.js';
import { RETRY_STATUSES, retryDelay } from '../util/backoff.js';
import { sleep } from '../util/sleep.js';

let agent: Dispatcher | undefined;
/** The one proxy-aware agent for Sigstore requests (Fulcio here, Rekor/TSA through fetch-shim.ts). */
export function proxyAgent(): Dispatcher {
  agent ??= proxyDispatcher();
  return agent;
}

/** Status texts for messages (the HTTP clients give the code only). */
const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  408: 'Request Timeout',
  409: 'Conflict',
  413: 'Payload Too Large',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

export function statusText(status: number, location?: string): string {
  if (status >= 300 && status < 400) return `redirected to ${location ?? '(no location)'}`;
  return STATUS_TEXT[status] ?? '';
}

export interface RetryOptions {
  /** Per-attempt timeout in milliseconds (default 30 s). */
  timeoutMs?: number;
  /** Retries after the first attempt (default 3). */
  retries?: number;
  /** First backoff ceiling in milliseconds, doubled each retry (default 1 s, capped at 10 s). */
  retryBaseMs?: number;
  /** Stops the request and its retries (rejecting with the signal's reason). */
  signal?: AbortSignal;
}

export class HttpStatusError extends Error {
  override readonly name = 'HttpStatusError';
  constructor(
    readonly status: number,
    /** Server-provided message (JSON `message` or the status text), one line, bounded. */
    readonly detail: string,
  ) {
    super(`HTTP ${status}${detail ? `: ${detail}` : ''}`);
  }
}

export class NetworkError extends Error {
  override readonly name = 'NetworkError';
}

/** Backoff ceiling, and the longest Retry-After honoured. */
const MAX_BACKOFF_MS = 10_000;
const MAX_RETRY_AFTER_MS = 30_000;

export function postJSON(url: string, body: unknown, options: RetryOptions = {}): Promise<unknown> {
  return requestJSON('POST', url, { body: JSON.stringify(body) }, options);
}

/** GET with extra headers (e.g. an Authorization), answered with JSON; retried as postJSON is. */
export function getJSON(
  url: string,
  headers: Record<string, string>,
  options: RetryOptions = {},
): Promise<unknown> {
  return requestJSON('GET', url, { headers }, options);
}

async function requestJSON(
  method: 'GET' | 'POST',
  url: string,
  request: { body?: string; headers?: Record<string, string> },
  options: RetryOptions,
): Promise<unknown> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const retries = options.retries ?? 3;
  const backoff = {
    baseDelayMs: options.retryBaseMs ?? 1000,
    maxDelayMs: MAX_BACKOFF_MS,
    maxRetryAfterMs: MAX_RETRY_AFTER_MS,
  };
  let lastError: Error = new NetworkError('no attempt made');
  for (let attempt = 0; attempt <= retries; attempt++) {
    let retryAfter: string | null = null;
    try {
      const res = await httpRequest(url, {
        method,
        headers: {
          ...(request.body !== undefined ? { 'content-type': 'application/json' } : {}),
          accept: 'application/json',
          ...request.headers,
        },
        ...(request.body !== undefined ? { body: request.body } : {}),
        signal: options.signal
          ? AbortSignal.any([AbortSignal.timeout(timeoutMs), options.signal])
          : AbortSignal.timeout(timeoutMs),
        idleTimeoutMs: timeoutMs,
        dispatcher: proxyAgent(),
      });
      const text = await res.text();
      if (res.status >= 200 && res.status < 300) {
        try {
          return JSON.parse(text) as unknown;
        } catch {
          throw new HttpStatusError(res.status, 'response is not JSON');
        }
      }
      const err = new HttpStatusError(
        res.status,
        serverMessage(text, statusText(res.status, res.header('location'))),
      );
      if (!RETRY_STATUSES.has(res.status)) throw err;
      lastError = err;
      retryAfter = res.header('retry-after') ?? null;
    } catch (err) {
      if (options.signal?.aborted) throw options.signal.reason;
      if (err instanceof HttpStatusError && !RETRY_STATUSES.has(err.status)) throw err;
      if (!(err instanceof HttpStatusError)) {
        lastError = new NetworkError(networkMessage(err, timeoutMs));
      }
    }
    if (attempt < retries)
      await sleep(retryDelay(attempt + 1, retryAfter, backoff), options.signal);
  }
  throw lastError;
}

/** A one-line, bounded message from an error body, with anything JWT-like removed. */
function serverMessage(text: string, fallback: string): string {
  let msg = fallback;
  try {
    const json = JSON.parse(text) as { message?: unknown };
    if (typeof json.message === 'string') msg = json.message;
  } catch {
    if (text.trim() && text.length < 300) msg = text;
  }
  return redactTokens(msg.split('\n')[0] ?? '').slice(0, 200);
}

/** Removes JWT-shaped strings (an OIDC token must never reach a message or log). */
export function redactTokens(s: string): string {
  return s.replace(/eyJ[\w-]*\.[\w-]*\.[\w-]*/g, '<redacted>');
}

function networkMessage(err: unknown, timeoutMs: number): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
    return `no answer within ${timeoutMs} ms`;
  }
  const cause =
    err instanceof Error
      ? (err.cause as { code?: string; message?: string } | undefined)
      : undefined;
  return redactTokens(
    cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err)),
  );
}
