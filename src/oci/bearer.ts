// Bearer tokens from a registry's token service (distribution's token auth spec): exchanged
// for the credentials, cached per scope set until shortly before they expire, one request per
// scope set at a time.

import { backoffDelay, RETRY_STATUSES, retryDelay } from '../util/backoff.js';
import { sleep } from '../util/sleep.js';
import { readCapped, TooLarge } from './body.js';
import { basicHeader, type Credentials, type MaskFn } from './credentials.js';
import {
  authError,
  OciError,
  parseErrorBody,
  RegistryError,
  RegistryNetworkError,
} from './errors.js';
import { abortError, failureOf, isNetworkError, networkError } from './failures.js';
import { type Dispatcher, httpRequest, type TransportResponse } from './http.js';
import { isLoopback } from './reference.js';
import { isRetryableNetworkError, type RetryOptions } from './retry.js';
import { covers, parseScope, repositoryOf } from './scope.js';

/** Where tokens come from: the `realm` and `service` of a registry's Bearer challenge. */
export interface TokenRealm {
  realm: string;
  service?: string;
}

export interface BearerOptions {
  registry: string;
  credentials: () => Promise<Credentials>;
  insecure: boolean;
  userAgent: string;
  retry: RetryOptions;
  mask: MaskFn;
  dispatcher: Dispatcher;
  idleTimeoutMs: number;
}

interface CachedToken {
  token: string;
  scopes: string[];
  expiresAt: number;
}

/** A token request in flight, with how many callers still wait for it. */
interface SharedRequest {
  answer: Promise<string>;
  controller: AbortController;
  waiting: number;
}

/** The shared answer for one caller: it stops waiting when its signal aborts. */
function waitFor(shared: SharedRequest, signal: AbortSignal | undefined): Promise<string> {
  shared.waiting++;
  if (!signal) return shared.answer;
  return new Promise<string>((resolve, reject) => {
    const leave = () => {
      signal.removeEventListener('abort', onAbort);
      shared.waiting--;
    };
    const onAbort = () => {
      leave();
      if (shared.waiting === 0) shared.controller.abort(signal.reason);
      reject(signal.reason);
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    shared.answer.then(
      (token) => {
        leave();
        resolve(token);
      },
      (err: unknown) => {
        leave();
        reject(err);
      },
    );
  });
}

const TOKEN_EXPIRY_MARGIN_MS = 10_000;
const DEFAULT_TOKEN_LIFETIME_S = 60;
const MAX_TOKEN_BODY = 1024 * 1024;

export class BearerTokens {
  private tokens: CachedToken[] = [];
  private readonly inflight = new Map<string, SharedRequest>();

  constructor(private readonly o: BearerOptions) {}

  /** A cached token that serves `scopes` and has not expired. */
  cached(scopes: string[]): string | undefined {
    const now = Date.now();
    this.tokens = this.tokens.filter((t) => t.expiresAt > now);
    return this.tokens.find((t) => covers(t.scopes, scopes))?.token;
  }

  /** Drops the cached tokens that cover `scopes` (the registry refused one of them). */
  forget(scopes: string[]): void {
    this.tokens = this.tokens.filter((t) => !covers(t.scopes, scopes));
  }

  /**
   * One token request per scope set at a time: concurrent requests share its answer. A caller
   * whose signal aborts stops waiting; the shared request stops only when every caller has
   * (one caller's abort, e.g. an upload session found unneeded, must not fail the others).
   */
  fetch(realm: TokenRealm, scopes: string[], signal?: AbortSignal): Promise<string> {
    const key = [...scopes].sort().join(' ');
    let shared = this.inflight.get(key);
    // One that every caller gave up on is stopping: a caller arriving now needs a request of its
    // own (joining it would hand this caller the others' abort).
    if (!shared || shared.controller.signal.aborted) {
      const controller = new AbortController();
      const answer = this.requestToken(realm, scopes, controller.signal).finally(() => {
        if (this.inflight.get(key) === entry) this.inflight.delete(key);
      });
      answer.catch(() => {});
      const entry: SharedRequest = { answer, controller, waiting: 0 };
      shared = entry;
      this.inflight.set(key, entry);
    }
    return waitFor(shared, signal);
  }

  /** Exchanges credentials for a bearer token (distribution's token auth spec). */
  private async requestToken(
    scheme: TokenRealm,
    scopes: string[],
    signal?: AbortSignal,
  ): Promise<string> {
    const { registry } = this.o;
    const creds = await this.o.credentials();
    const url = new URL(scheme.realm);
    if (
      url.protocol !== 'https:' &&
      !this.o.insecure &&
      !isLoopback(url.host) &&
      creds.kind !== 'anonymous'
    ) {
      throw new OciError({ code: 'TOKEN_SERVICE_PLAIN_HTTP', registry, service: url.host });
    }
    let res: TransportResponse;
    const headers: Record<string, string> = { 'user-agent': this.o.userAgent };
    const send = { dispatcher: this.o.dispatcher, idleTimeoutMs: this.o.idleTimeoutMs, signal };
    const maxAttempts = Math.max(1, this.o.retry.maxAttempts ?? 5);
    for (let attempt = 1; ; attempt++) {
      try {
        if (creds.kind === 'identity-token') {
          // Like docker: the identity token is an OAuth2 refresh token, exchanged with a POST.
          const form = new URLSearchParams({
            grant_type: 'refresh_token',
            refresh_token: creds.token,
            client_id: 'flux-oci-action',
          });
          if (scheme.service !== undefined) form.set('service', scheme.service);
          if (scopes.length > 0) form.set('scope', scopes.join(' '));
          res = await httpRequest(url, {
            method: 'POST',
            headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
            body: form.toString(),
            ...send,
          });
        } else {
          if (scheme.service !== undefined) url.searchParams.set('service', scheme.service);
          url.searchParams.delete('scope');
          for (const s of scopes) url.searchParams.append('scope', s);
          const h = { ...headers };
          if (creds.kind === 'basic') h.authorization = basicHeader(creds.username, creds.password);
          res = await httpRequest(url, { method: 'GET', headers: h, ...send });
        }
      } catch (err) {
        const op = `token for ${scopes.join(' ') || 'the registry'} from ${url.host}`;
        if (signal?.aborted) throw abortError(registry, signal, err, op, attempt, true);
        if (!isNetworkError(err)) throw err;
        const retryable = isRetryableNetworkError(err, true);
        if (retryable && attempt < maxAttempts) {
          await sleep(backoffDelay(attempt, this.o.retry), signal);
          continue;
        }
        throw networkError(
          registry,
          err,
          op,
          attempt,
          failureOf(err) !== 'refused',
          retryable,
          this.o.idleTimeoutMs,
        );
      }
      if (RETRY_STATUSES.has(res.status) && attempt < maxAttempts) {
        const wait = retryDelay(attempt, res.header('retry-after'), this.o.retry);
        await res.dump();
        await sleep(wait, signal);
        continue;
      }
      break;
    }
    if (res.status === 401 || res.status === 403) {
      await res.dump();
      // 401: the credentials are wrong; 403 (GHCR, for a token without packages: write): the
      // credentials are fine but may not do this.
      throw authError({
        registry,
        repository: repositoryOf(scopes, registry),
        source: creds.source,
        push: scopes.some((s) => parseScope(s).actions.includes('push')),
        kind: res.status === 403 && creds.kind !== 'anonymous' ? 'denied' : 'unauthorized',
      });
    }
    let text: string;
    try {
      text = (
        await readCapped(res.body, MAX_TOKEN_BODY, () => res.header('content-length'))
      ).toString();
    } catch (err) {
      const op = `token from ${url.host}`;
      if (err instanceof TooLarge) {
        throw new RegistryNetworkError({
          registry,
          operation: op,
          failure: 'too-large',
          attempts: 1,
          reached: true,
          detail: `${MAX_TOKEN_BODY} bytes`,
        });
      }
      if (signal?.aborted) throw abortError(registry, signal, err, op, 1, true);
      if (!isNetworkError(err)) throw err;
      throw networkError(registry, err, op, 1, true, false, this.o.idleTimeoutMs);
    }
    if (res.status !== 200) {
      throw new RegistryError(
        `token service ${url.host} answered ${res.status} for ${registry}`,
        res.status,
        parseErrorBody(text).code,
      );
    }
    let parsed: { token?: unknown; access_token?: unknown; expires_in?: unknown };
    try {
      parsed = JSON.parse(text) as typeof parsed;
    } catch {
      throw new RegistryError(
        `token service ${url.host} answered with something that is not JSON`,
        200,
      );
    }
    const token =
      typeof parsed.token === 'string' && parsed.token
        ? parsed.token
        : typeof parsed.access_token === 'string'
          ? parsed.access_token
          : '';
    if (!token) throw new RegistryError(`token service ${url.host} answered without a token`, 200);
    this.o.mask(token);
    const lifetime =
      typeof parsed.expires_in === 'number' && parsed.expires_in > 0
        ? parsed.expires_in
        : DEFAULT_TOKEN_LIFETIME_S;
    this.tokens.push({
      token,
      scopes,
      // Renew a little early, but never so early that a short-lived token is useless.
      expiresAt: Date.now() + lifetime * 1000 - Math.min(TOKEN_EXPIRY_MARGIN_MS, lifetime * 500),
    });
    return token;
  }
}
