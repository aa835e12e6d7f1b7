/**
 * Small JSON-over-HTTP helper for the Sigstore services we call ourselves (Fulcio): per-attempt
 * timeout, bounded retries on 408/429/5xx and network errors (never on other 4xx), waiting as
 * registry requests do (src/util/backoff.ts: `Retry-After`, else jittered exponential backoff).
 *
 * Requests go through undici's EnvHttpProxyAgent, as registry requests do (HTTPS_PROXY,
 * HTTP_PROXY, NO_PROXY); Node's global fetch ignores those variables. Rekor and TSA calls are
 * made by sigstore-js through fetch-shim.ts, and TUF's (tuf-js, global fetch) through the global
 * dispatcher that verify/trust.ts sets to this same agent before the download. TLS trusts Node's
 * CA store, so NODE_EXTRA_CA_CERTS adds a private CA for all of them.
 */
import { EnvHttpProxyAgent, fetch } from 'undici';
import { RETRY_STATUSES, retryDelay } from '../util/backoff.js';
import { sleep } from '../util/sleep.js';

let agent: EnvHttpProxyAgent | undefined;
/** The one proxy-aware agent for Sigstore: Fulcio here, Rekor/TSA via fetch-shim.ts, TUF via trust.ts. */
export function proxyAgent(): EnvHttpProxyAgent {
  agent ??= new EnvHttpProxyAgent();
  return agent;
}

export interface RetryOptions {
  /** Per-attempt timeout in milliseconds (default 30 s). */
  timeoutMs?: number;
  /** Retries after the first attempt (default 3). */
  retries?: number;
  /** First backoff ceiling in milliseconds, doubled each retry (default 1 s, capped at 10 s). */
  retryBaseMs?: number;
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

export async function postJSON(
  url: string,
  body: unknown,
  options: RetryOptions = {},
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
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
        redirect: 'follow',
        dispatcher: proxyAgent(),
      });
      const text = await res.text();
      if (res.ok) {
        try {
          return JSON.parse(text) as unknown;
        } catch {
          throw new HttpStatusError(res.status, 'response is not JSON');
        }
      }
      const err = new HttpStatusError(res.status, serverMessage(text, res.statusText));
      if (!RETRY_STATUSES.has(res.status)) throw err;
      lastError = err;
      retryAfter = res.headers.get('retry-after');
    } catch (err) {
      if (err instanceof HttpStatusError && !RETRY_STATUSES.has(err.status)) throw err;
      if (!(err instanceof HttpStatusError)) {
        lastError = new NetworkError(networkMessage(err, timeoutMs));
      }
    }
    if (attempt < retries) await sleep(retryDelay(attempt + 1, retryAfter, backoff));
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
