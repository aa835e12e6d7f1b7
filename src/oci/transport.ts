// HTTP transport for one registry, layered like ggcr's `transport`: scheme choice (HTTPS, or
// HTTP for loopback and `insecure`), User-Agent, proxies (http.ts), retries with backoff
// (retry.ts, src/util/backoff.ts), redirects, and the auth challenge dance (authenticator.ts, bearer.ts).
import type { Readable } from 'node:stream';
import { backoffDelay, RETRY_STATUSES, retryDelay } from '../util/backoff.js';
import { sleep } from '../util/sleep.js';
import { Authenticator, pickChallenge } from './authenticator.js';
import { buffered, readCapped, readLimited, TooLarge } from './body.js';
import type { Credentials, MaskFn } from './credentials.js';
import { parseErrorBody, RegistryNetworkError } from './errors.js';
import { abortError, failureOf, isNetworkError, isOurs, networkError } from './failures.js';
import {
  type Dispatcher,
  httpRequest,
  NotSentError,
  proxyDispatcher,
  type TransportResponse,
} from './http.js';
import { isLoopback } from './reference.js';
import { isRetryableNetworkError, type RetryOptions } from './retry.js';
import { USER_AGENT } from './version.js';
import { parseWwwAuthenticate } from './www-authenticate.js';

export interface TransportOptions {
  /** `host[:port]`. */
  registry: string;
  /** Resolved lazily on the first challenge, so anonymous registries never run a helper. */
  credentials?: Credentials | (() => Promise<Credentials>);
  /** Allow plain HTTP for a non-loopback registry. */
  insecure?: boolean;
  userAgent?: string;
  retry?: RetryOptions;
  /** Default: one EnvHttpProxyAgent per transport (HTTPS_PROXY, HTTP_PROXY, NO_PROXY). */
  dispatcher?: Dispatcher;
  mask?: MaskFn;
  /** Longest wait for response headers, or between two body chunks. Default 60 s. */
  idleTimeoutMs?: number;
}

type Body = Buffer | string | (() => Readable | Buffer);

interface TransportRequest {
  method: string;
  /** A path such as `/v2/org/app/manifests/latest`, or an absolute URL (upload `Location`). */
  url: string;
  headers?: Record<string, string>;
  /** Stream bodies must come from a factory so a retry can re-create them. */
  body?: Body;
  /** Token scopes, e.g. `repository:org/app:pull,push`. */
  scopes?: string[];
  signal?: AbortSignal;
  /** Safe to repeat after a mid-flight network error. Default: GET, HEAD, PUT, DELETE. */
  idempotent?: boolean;
  /** Follow redirects (blob downloads go to storage), dropping Authorization across hosts. */
  followRedirects?: boolean;
  /** Statuses to hand back instead of retrying (e.g. a PATCH the caller resumes itself). */
  noRetry?: boolean;
  /** For messages: what this request does, e.g. `GET manifest latest`. */
  operation?: string;
  /**
   * Read a 2xx body into memory inside the retry loop (so a reset or stall mid-body is retried
   * like one before the headers), refusing more than `maxBytes` with or without Content-Length.
   */
  read?: { maxBytes: number };
  /**
   * Asked where the request goes out (http.ts `HttpRequest.sendIf`), each time it would be sent;
   * `false` fails it with `NotSentError`, never retried.
   */
  sendIf?: () => boolean;
}

const MAX_REDIRECTS = 5;
const DEFAULT_IDLE_TIMEOUT_MS = 60_000;
/** Round trips remembered, and the largest request body whose round trip counts. */
const ROUND_TRIPS_KEPT = 16;
const SMALL_BODY_BYTES = 64 * 1024;

export class Transport {
  readonly registry: string;
  readonly baseUrl: string;
  private readonly dispatcher: Dispatcher;
  private readonly userAgent: string;
  private readonly retry: RetryOptions;
  private readonly idleTimeoutMs: number;
  private readonly auth: Authenticator;
  private readonly roundTrips: { at: number; ms: number }[] = [];

  constructor(options: TransportOptions) {
    this.registry = options.registry;
    const insecure = options.insecure === true;
    const plain = insecure || isLoopback(options.registry);
    this.baseUrl = `${plain ? 'http' : 'https'}://${options.registry}`;
    this.dispatcher = options.dispatcher ?? proxyDispatcher();
    this.userAgent = options.userAgent ?? USER_AGENT;
    this.retry = options.retry ?? {};
    this.idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    this.auth = new Authenticator(options.credentials, {
      registry: this.registry,
      insecure,
      userAgent: this.userAgent,
      retry: this.retry,
      mask: options.mask ?? (() => {}),
      dispatcher: this.dispatcher,
      idleTimeoutMs: this.idleTimeoutMs,
    });
  }

  /**
   * Loads the HTTP client (http.ts) now, while the caller waits on something else (git, the
   * build's file reads), instead of on the first request. Makes no connection; a failure to
   * load surfaces on the first request.
   */
  prepare(): void {
    this.dispatcher.prepare(this.baseUrl);
  }

  /**
   * Opens `count` connections to the registry now for the requests about to go out at once
   * (publish: the tags' HEADs, the config blob, the layer's session), so their handshakes are
   * paid while git runs and the layer is built (Dispatcher.preconnect).
   */
  preconnect(count: number): void {
    this.dispatcher.preconnect(this.baseUrl, count);
  }

  /**
   * The slowest of the last few answered requests with small bodies answered since `since` (an
   * epoch time in ms; 0 before any): how long this registry, the network and this machine take
   * to answer right now, without retry sleeps or upload time. Shared-tag writers size their
   * settle window from it, counting only their own phase: earlier answers may have waited on
   * this process's own CPU work (the build), which says nothing about other writers.
   */
  slowestRoundTripMs(since = 0): number {
    let slowest = 0;
    for (const r of this.roundTrips) if (r.at >= since) slowest = Math.max(slowest, r.ms);
    return slowest;
  }

  /**
   * The quickest of the same answers, once there are two (undefined before): the registry's
   * round trip for the freshness rule of a shared-tag write. A held-up process only lengthens a
   * round trip it measures, so the quickest of several is the network's and the registry's.
   */
  quickestRoundTripMs(): number | undefined {
    if (this.roundTrips.length < 2) return undefined;
    return Math.min(...this.roundTrips.map((r) => r.ms));
  }

  /**
   * Sends a request, retrying and authenticating as needed; throws `RegistryAuthError` on 401/403 and
   * `RegistryNetworkError` when the request cannot get a usable answer within its attempts.
   */
  async request(req: TransportRequest): Promise<TransportResponse> {
    const idempotent = req.idempotent ?? ['GET', 'HEAD', 'PUT', 'DELETE'].includes(req.method);
    const maxAttempts = Math.max(1, this.retry.maxAttempts ?? 5);
    const scopes = req.scopes ?? [];
    const operation = req.operation ?? `${req.method} ${pathOf(req.url)}`;
    let reauthenticated = false;
    let reached = false;
    let attempt = 0;
    const fail = (err: unknown, retryable: boolean) =>
      networkError(
        this.registry,
        err,
        operation,
        attempt,
        reached,
        retryable && attempt >= maxAttempts,
        this.idleTimeoutMs,
      );
    const aborted = (signal: AbortSignal, err: unknown) =>
      abortError(this.registry, signal, err, operation, attempt, reached);
    const pause = (ms: number) =>
      sleep(ms, req.signal).catch((e) => {
        throw aborted(req.signal!, e);
      });
    for (;;) {
      attempt++;
      let res: TransportResponse;
      try {
        const auth = await this.auth.authorization(scopes, req.signal);
        res = await this.send(req, auth);
        const size =
          typeof req.body === 'function' ? Number.POSITIVE_INFINITY : (req.body?.length ?? 0);
        if (size <= SMALL_BODY_BYTES) {
          this.roundTrips.push({ at: Date.now(), ms: res.roundTripMs });
          if (this.roundTrips.length > ROUND_TRIPS_KEPT) this.roundTrips.shift();
        }
      } catch (err) {
        if (isOurs(err) || err instanceof NotSentError) throw err;
        if (req.signal?.aborted) throw aborted(req.signal, err);
        if (!isNetworkError(err)) throw err;
        if (failureOf(err) !== 'refused') reached = true;
        const retryable = !req.noRetry && isRetryableNetworkError(err, idempotent);
        if (retryable && attempt < maxAttempts) {
          await pause(backoffDelay(attempt, this.retry));
          continue;
        }
        throw fail(err, retryable);
      }
      reached = true;

      if (res.status === 401) {
        const challenges = parseWwwAuthenticate(res.header('www-authenticate'));
        await res.dump();
        const challenge = pickChallenge(challenges);
        // Re-sending only helps when the challenge tells us something we can act on.
        const basicWithout =
          challenge?.scheme === 'basic' && (await this.auth.getCredentials()).kind !== 'basic';
        if (!reauthenticated && challenge && !basicWithout) {
          reauthenticated = true;
          attempt--; // the re-send after obtaining credentials is not a retry
          await this.auth.handleChallenge(challenge, scopes, req.signal);
          continue;
        }
        throw await this.auth.authFailure(scopes, req.method, challenge);
      }
      if (res.status === 403) {
        throw await this.auth.forbidden(res, scopes, req.method, operation);
      }
      if (!req.noRetry && RETRY_STATUSES.has(res.status)) {
        if (attempt < maxAttempts) {
          const wait = retryDelay(attempt, res.header('retry-after'), this.retry);
          await res.dump();
          await pause(wait);
          continue;
        }
        const { code } = parseErrorBody(await readLimited(res));
        throw new RegistryNetworkError({
          registry: this.registry,
          operation,
          failure: 'status',
          status: res.status,
          attempts: attempt,
          exhausted: true,
          reached: true,
          ...(code ? { detail: code } : {}),
        });
      }
      if (req.read && res.status >= 200 && res.status < 300) {
        try {
          const bytes = await readCapped(res.body, req.read.maxBytes, () =>
            res.header('content-length'),
          );
          return buffered(res, bytes);
        } catch (err) {
          if (err instanceof TooLarge) {
            throw new RegistryNetworkError({
              registry: this.registry,
              operation,
              failure: 'too-large',
              attempts: attempt,
              reached: true,
              detail: `${req.read.maxBytes} bytes`,
            });
          }
          if (req.signal?.aborted) throw aborted(req.signal, err);
          if (!isNetworkError(err)) throw err;
          const retryable = isRetryableNetworkError(err, idempotent);
          if (retryable && attempt < maxAttempts) {
            await pause(backoffDelay(attempt, this.retry));
            continue;
          }
          throw fail(err, retryable);
        }
      }
      return res;
    }
  }

  /** Absolute URL for a registry path. */
  url(pathOrUrl: string): string {
    return /^https?:\/\//.test(pathOrUrl) ? pathOrUrl : `${this.baseUrl}${pathOrUrl}`;
  }

  private async send(req: TransportRequest, auth: string | undefined): Promise<TransportResponse> {
    let url = this.url(req.url);
    let method = req.method;
    let body: Readable | Buffer | string | undefined =
      typeof req.body === 'function' ? req.body() : req.body;
    const authOrigin = new URL(this.baseUrl).origin;
    for (let hop = 0; ; hop++) {
      const headers: Record<string, string> = { 'user-agent': this.userAgent, ...req.headers };
      // Never send registry credentials to another host (storage redirects, foreign Locations).
      if (auth && new URL(url).origin === authOrigin) headers.authorization = auth;
      const res = await httpRequest(url, {
        method,
        headers,
        body,
        dispatcher: this.dispatcher,
        idleTimeoutMs: this.idleTimeoutMs,
        signal: req.signal,
        sendIf: req.sendIf,
      });
      const location = res.header('location');
      if (
        req.followRedirects &&
        [301, 302, 303, 307, 308].includes(res.status) &&
        location !== undefined &&
        hop < MAX_REDIRECTS
      ) {
        await res.dump();
        url = new URL(location, url).toString();
        if (res.status === 303) {
          method = 'GET';
          body = undefined;
        }
        continue;
      }
      return res;
    }
  }
}

function pathOf(url: string): string {
  try {
    return new URL(url, 'http://x').pathname;
  } catch {
    return url;
  }
}
