// HTTP transport for one registry, layered like ggcr's `transport`: scheme choice, User-Agent,
// proxies (undici EnvHttpProxyAgent), retries with backoff, and the auth challenge dance
// (Basic, or Bearer tokens fetched from the realm and cached per scope).
import { Readable as NodeReadable, type Readable } from 'node:stream';
import { type Dispatcher, EnvHttpProxyAgent, request } from 'undici';
import { UserError } from '../util/errors.js';
import { ANONYMOUS, type Credentials, type MaskFn } from './credentials.js';
import {
  authError,
  type NetworkFailure,
  parseErrorBody,
  RegistryError,
  RegistryNetworkError,
} from './errors.js';
import { isLoopback } from './reference.js';
import {
  backoffDelay,
  DeadlineReached,
  errorCode,
  isRetryableNetworkError,
  parseRetryAfter,
  RETRY_STATUSES,
  type RetryOptions,
  sleep,
} from './retry.js';
import { USER_AGENT } from './version.js';
import { type Challenge, parseWwwAuthenticate } from './www-authenticate.js';

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

export type Body = Buffer | string | (() => Readable | Buffer);

export interface TransportRequest {
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
}

export interface TransportResponse {
  status: number;
  /** Final URL (after redirects). */
  url: string;
  header(name: string): string | undefined;
  body: Readable;
  text(): Promise<string>;
  bytes(): Promise<Buffer>;
  dump(): Promise<void>;
}

type AuthScheme =
  | { kind: 'unknown' }
  | { kind: 'none' }
  | { kind: 'basic' }
  | { kind: 'bearer'; realm: string; service?: string };

interface CachedToken {
  token: string;
  scopes: string[];
  expiresAt: number;
}

const MAX_REDIRECTS = 5;
const TOKEN_EXPIRY_MARGIN_MS = 10_000;
const DEFAULT_TOKEN_LIFETIME_S = 60;
const MAX_ERROR_BODY = 64 * 1024;
const MAX_TOKEN_BODY = 1024 * 1024;
const DEFAULT_IDLE_TIMEOUT_MS = 60_000;

export class Transport {
  readonly registry: string;
  readonly baseUrl: string;
  private readonly dispatcher: Dispatcher;
  private readonly userAgent: string;
  private readonly retry: RetryOptions;
  private readonly mask: MaskFn;
  private readonly insecure: boolean;
  private readonly idleTimeoutMs: number;
  private credentials: Credentials | undefined;
  private credentialsPromise: Promise<Credentials> | undefined;
  private readonly credentialSource: TransportOptions['credentials'];
  private scheme: AuthScheme = { kind: 'unknown' };
  private tokens: CachedToken[] = [];
  private readonly inflight = new Map<string, Promise<string>>();

  constructor(options: TransportOptions) {
    this.registry = options.registry;
    this.insecure = options.insecure === true;
    const plain = this.insecure || isLoopback(options.registry);
    this.baseUrl = `${plain ? 'http' : 'https'}://${options.registry}`;
    this.dispatcher = options.dispatcher ?? new EnvHttpProxyAgent();
    this.userAgent = options.userAgent ?? USER_AGENT;
    this.retry = options.retry ?? {};
    this.mask = options.mask ?? (() => {});
    this.credentialSource = options.credentials;
    this.idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  }

  /**
   * Sends a request, retrying and authenticating as needed; throws `UserError` on 401/403 and
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
      this.networkError(err, operation, attempt, reached, retryable && attempt >= maxAttempts);
    const pause = (ms: number) =>
      sleep(ms, req.signal).catch((e) => {
        throw this.abortError(req.signal!, e, operation, attempt, reached);
      });
    for (;;) {
      attempt++;
      let res: TransportResponse;
      try {
        const auth = await this.authorization(scopes, req.signal);
        res = await this.send(req, auth);
      } catch (err) {
        if (isOurs(err)) throw err;
        if (req.signal?.aborted)
          throw this.abortError(req.signal, err, operation, attempt, reached);
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
          challenge?.scheme === 'basic' && (await this.getCredentials()).kind !== 'basic';
        if (!reauthenticated && challenge && !basicWithout) {
          reauthenticated = true;
          attempt--; // the re-send after obtaining credentials is not a retry
          await this.handleChallenge(challenge, scopes, req.signal);
          continue;
        }
        throw await this.authFailure(scopes, req.method, challenge);
      }
      if (res.status === 403) {
        const { code } = parseErrorBody(await readLimited(res));
        throw authError(
          {
            registry: this.registry,
            repository: repositoryOf(scopes, this.registry),
            source: (await this.getCredentials()).source,
            push: needsPush(scopes, req.method),
            kind: 'denied',
          },
          new RegistryError(`${req.method} ${res.url}: 403 ${code ?? ''}`.trim(), 403, code, {
            registry: this.registry,
            operation,
          }),
        );
      }
      if (!req.noRetry && RETRY_STATUSES.has(res.status)) {
        if (attempt < maxAttempts) {
          const retryAfter = parseRetryAfter(res.header('retry-after'), this.retry);
          await res.dump();
          await pause(retryAfter ?? backoffDelay(attempt, this.retry));
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
          if (req.signal?.aborted)
            throw this.abortError(req.signal, err, operation, attempt, reached);
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
      const res = await request(url, {
        method: method as Dispatcher.HttpMethod,
        headers,
        body: body ?? null,
        dispatcher: this.dispatcher,
        headersTimeout: this.idleTimeoutMs,
        bodyTimeout: this.idleTimeoutMs,
        ...(req.signal ? { signal: req.signal } : {}),
      });
      const location = res.headers.location;
      if (
        req.followRedirects &&
        [301, 302, 303, 307, 308].includes(res.statusCode) &&
        typeof location === 'string' &&
        hop < MAX_REDIRECTS
      ) {
        await res.body.dump();
        url = new URL(location, url).toString();
        if (res.statusCode === 303) {
          method = 'GET';
          body = undefined;
        }
        continue;
      }
      return wrap(res, url);
    }
  }

  private async getCredentials(): Promise<Credentials> {
    if (this.credentials) return this.credentials;
    const src = this.credentialSource;
    if (src === undefined) this.credentials = ANONYMOUS;
    else if (typeof src === 'function') {
      this.credentialsPromise ??= src();
      this.credentials = await this.credentialsPromise;
    } else this.credentials = src;
    return this.credentials;
  }

  /** The Authorization header to send up front, from what earlier challenges taught us. */
  private async authorization(scopes: string[], signal?: AbortSignal): Promise<string | undefined> {
    switch (this.scheme.kind) {
      case 'unknown':
      case 'none':
        return undefined;
      case 'basic': {
        const c = await this.getCredentials();
        return c.kind === 'basic' ? basicHeader(c.username, c.password) : undefined;
      }
      case 'bearer': {
        const c = await this.getCredentials();
        if (c.kind === 'registry-token') return `Bearer ${c.token}`;
        const cached = this.cachedToken(scopes);
        if (cached) return `Bearer ${cached}`;
        return `Bearer ${await this.fetchToken(this.scheme, scopes, signal)}`;
      }
    }
  }

  private async handleChallenge(challenge: Challenge, scopes: string[], signal?: AbortSignal) {
    if (challenge.scheme === 'basic') {
      this.scheme = { kind: 'basic' };
      return;
    }
    const realm = challenge.params.realm;
    if (!realm)
      throw new RegistryError(
        `registry ${this.registry} sent a Bearer challenge without realm`,
        401,
      );
    const scheme: AuthScheme = { kind: 'bearer', realm };
    if (challenge.params.service !== undefined) scheme.service = challenge.params.service;
    this.scheme = scheme;
    // The registry may ask for more than we guessed (e.g. a mount source); merge its scope in.
    const wanted = mergeScopes(scopes, challenge.params.scope?.split(' ').filter(Boolean) ?? []);
    this.tokens = this.tokens.filter((t) => !covers(t.scopes, wanted));
    const c = await this.getCredentials();
    if (c.kind !== 'registry-token') await this.fetchToken(scheme, wanted, signal);
  }

  private cachedToken(scopes: string[]): string | undefined {
    const now = Date.now();
    this.tokens = this.tokens.filter((t) => t.expiresAt > now);
    return this.tokens.find((t) => covers(t.scopes, scopes))?.token;
  }

  /** One token request per scope set at a time: concurrent requests share its answer. */
  private fetchToken(
    scheme: Extract<AuthScheme, { kind: 'bearer' }>,
    scopes: string[],
    signal?: AbortSignal,
  ): Promise<string> {
    const key = [...scopes].sort().join(' ');
    const pending = this.inflight.get(key);
    if (pending) return pending;
    const p = this.requestToken(scheme, scopes, signal).finally(() => this.inflight.delete(key));
    this.inflight.set(key, p);
    return p;
  }

  /** Exchanges credentials for a bearer token (distribution's token auth spec). */
  private async requestToken(
    scheme: Extract<AuthScheme, { kind: 'bearer' }>,
    scopes: string[],
    signal?: AbortSignal,
  ): Promise<string> {
    const creds = await this.getCredentials();
    const url = new URL(scheme.realm);
    if (
      url.protocol !== 'https:' &&
      !this.insecure &&
      !isLoopback(url.host) &&
      creds.kind !== 'anonymous'
    ) {
      throw new UserError(
        `registry ${this.registry} sends credentials to the plain-HTTP token service ${url.host}; refusing: use HTTPS, or set insecure: true if that is intended`,
        'insecure',
      );
    }
    let res: Awaited<ReturnType<typeof request>>;
    const headers: Record<string, string> = { 'user-agent': this.userAgent };
    const maxAttempts = Math.max(1, this.retry.maxAttempts ?? 5);
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
          res = await request(url, {
            method: 'POST',
            headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
            body: form.toString(),
            dispatcher: this.dispatcher,
            headersTimeout: this.idleTimeoutMs,
            bodyTimeout: this.idleTimeoutMs,
            ...(signal ? { signal } : {}),
          });
        } else {
          if (scheme.service !== undefined) url.searchParams.set('service', scheme.service);
          url.searchParams.delete('scope');
          for (const s of scopes) url.searchParams.append('scope', s);
          const h = { ...headers };
          if (creds.kind === 'basic') h.authorization = basicHeader(creds.username, creds.password);
          res = await request(url, {
            method: 'GET',
            headers: h,
            dispatcher: this.dispatcher,
            headersTimeout: this.idleTimeoutMs,
            bodyTimeout: this.idleTimeoutMs,
            ...(signal ? { signal } : {}),
          });
        }
      } catch (err) {
        const op = `token for ${scopes.join(' ') || 'the registry'} from ${url.host}`;
        if (signal?.aborted) throw this.abortError(signal, err, op, attempt, true);
        if (!isNetworkError(err)) throw err;
        const retryable = isRetryableNetworkError(err, true);
        if (retryable && attempt < maxAttempts) {
          await sleep(backoffDelay(attempt, this.retry), signal);
          continue;
        }
        throw this.networkError(err, op, attempt, failureOf(err) !== 'refused', retryable);
      }
      if (RETRY_STATUSES.has(res.statusCode) && attempt < maxAttempts) {
        const wait = parseRetryAfter(header(res.headers, 'retry-after'), this.retry);
        await res.body.dump().catch(() => {});
        await sleep(wait ?? backoffDelay(attempt, this.retry), signal);
        continue;
      }
      break;
    }
    if (res.statusCode === 401 || res.statusCode === 403) {
      await res.body.dump();
      // 401: the credentials are wrong; 403 (GHCR, for a token without packages: write): the
      // credentials are fine but may not do this.
      throw authError({
        registry: this.registry,
        repository: repositoryOf(scopes, this.registry),
        source: creds.source,
        push: scopes.some((s) => parseScope(s).actions.includes('push')),
        kind: res.statusCode === 403 && creds.kind !== 'anonymous' ? 'denied' : 'unauthorized',
      });
    }
    let text: string;
    try {
      text = (
        await readCapped(res.body, MAX_TOKEN_BODY, () => header(res.headers, 'content-length'))
      ).toString();
    } catch (err) {
      const op = `token from ${url.host}`;
      if (err instanceof TooLarge) {
        throw new RegistryNetworkError({
          registry: this.registry,
          operation: op,
          failure: 'too-large',
          attempts: 1,
          reached: true,
          detail: `${MAX_TOKEN_BODY} bytes`,
        });
      }
      if (signal?.aborted) throw this.abortError(signal, err, op, 1, true);
      if (!isNetworkError(err)) throw err;
      throw this.networkError(err, op, 1, true, false);
    }
    if (res.statusCode !== 200) {
      throw new RegistryError(
        `token service ${url.host} answered ${res.statusCode} for ${this.registry}`,
        res.statusCode,
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
    this.mask(token);
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

  private async authFailure(scopes: string[], method: string, challenge?: Challenge) {
    const creds = await this.getCredentials();
    // A token was issued but does not allow this: the credentials are fine, the rights are not.
    const insufficient =
      challenge?.params.error === 'insufficient_scope' && this.scheme.kind === 'bearer';
    return authError({
      registry: this.registry,
      repository: repositoryOf(scopes, this.registry),
      source: creds.source,
      push: needsPush(scopes, method),
      kind: insufficient && creds.kind !== 'anonymous' ? 'denied' : 'unauthorized',
    });
  }

  private abortError(
    signal: AbortSignal,
    cause: unknown,
    operation: string,
    attempts: number,
    reached: boolean,
  ): Error {
    const reason = signal.reason as unknown;
    if (
      reason instanceof DeadlineReached ||
      (reason as { name?: string })?.name === 'TimeoutError'
    ) {
      return new RegistryNetworkError(
        {
          registry: this.registry,
          operation,
          failure: 'deadline',
          attempts,
          reached,
          ...(reason instanceof DeadlineReached ? { limitMs: reason.limitMs } : {}),
        },
        { cause },
      );
    }
    return reason instanceof Error ? reason : new Error('aborted', { cause });
  }

  private networkError(
    err: unknown,
    operation: string,
    attempts: number,
    reached: boolean,
    exhausted: boolean,
  ): RegistryNetworkError {
    const failure = failureOf(err);
    const code = errorCode(err);
    return new RegistryNetworkError(
      {
        registry: this.registry,
        operation,
        failure,
        attempts,
        exhausted,
        reached: reached && failure !== 'dns',
        ...(code ? { detail: code } : {}),
        ...(failure === 'stalled' ? { limitMs: this.idleTimeoutMs } : {}),
      },
      { cause: err },
    );
  }
}

/** Ours: already worded or carrying registry data; never wrapped again. */
function isOurs(err: unknown): boolean {
  return (
    err instanceof UserError || err instanceof RegistryError || err instanceof RegistryNetworkError
  );
}

/** A socket/HTTP-level failure (undici's or the system's), not a bug in our code. */
export function isNetworkError(err: unknown): boolean {
  const code = errorCode(err);
  if (code?.startsWith('UND_ERR') || code?.startsWith('ERR_SSL') || /^E[A-Z]+$/.test(code ?? ''))
    return true;
  const message = err instanceof Error ? err.message : '';
  return /other side closed|socket|wrong version number|terminated/i.test(message);
}

export function failureOf(err: unknown): NetworkFailure {
  const code = errorCode(err) ?? '';
  const message = err instanceof Error ? err.message : String(err);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'dns';
  if (/wrong version number|ERR_SSL_|EPROTO/i.test(`${code} ${message}`)) return 'tls';
  if (['ECONNREFUSED', 'ENETUNREACH', 'EHOSTUNREACH', 'UND_ERR_CONNECT_TIMEOUT'].includes(code))
    return 'refused';
  if (['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT'].includes(code))
    return 'stalled';
  return 'reset';
}

class TooLarge extends Error {}

/** Reads a body into memory, refusing more than `max` bytes whether or not a length is declared. */
async function readCapped(
  body: Readable,
  max: number,
  contentLength: () => string | undefined,
): Promise<Buffer> {
  const declared = Number(contentLength() ?? Number.NaN);
  if (Number.isFinite(declared) && declared > max) {
    body.destroy();
    throw new TooLarge();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > max) {
      body.destroy();
      throw new TooLarge();
    }
    chunks.push(b);
  }
  return Buffer.concat(chunks, size);
}

function buffered(res: TransportResponse, bytes: Buffer): TransportResponse {
  return {
    ...res,
    body: streamOf(bytes),
    text: async () => bytes.toString(),
    bytes: async () => bytes,
    dump: async () => {},
  };
}

function streamOf(bytes: Buffer): Readable {
  return NodeReadable.from([bytes]);
}

function pathOf(url: string): string {
  try {
    return new URL(url, 'http://x').pathname;
  } catch {
    return url;
  }
}

function wrap(res: Dispatcher.ResponseData, url: string): TransportResponse {
  return {
    status: res.statusCode,
    url,
    header: (name) => header(res.headers, name),
    body: res.body,
    text: () => res.body.text(),
    bytes: async () => Buffer.from(await res.body.arrayBuffer()),
    // Only for bodies we do not need: a reset while discarding one changes nothing.
    dump: () => res.body.dump().catch(() => {}),
  };
}

function header(headers: Dispatcher.ResponseData['headers'], name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v.join(', ') : v;
}

/** Reads at most 64 KiB of an error body, for its OCI error code; '' when the body breaks off. */
export async function readLimited(res: TransportResponse): Promise<string> {
  let text = '';
  try {
    for await (const chunk of res.body) {
      text += (chunk as Buffer).toString();
      if (text.length >= MAX_ERROR_BODY) {
        res.body.destroy();
        break;
      }
    }
  } catch {
    // the status is what matters; the code was a bonus
  }
  return text;
}

/** Turns an unexpected response into a RegistryError carrying the OCI error code. */
export async function unexpected(res: TransportResponse, what: string): Promise<RegistryError> {
  const { code, message } = parseErrorBody(await readLimited(res));
  const detail = [code, message].filter(Boolean).join(': ');
  return new RegistryError(
    `${what}: registry answered ${res.status}${detail ? ` (${detail})` : ''}`,
    res.status,
    code,
    { registry: new URL(res.url).host, operation: what },
  );
}

/** Bearer preferred over Basic when a registry offers both. */
function pickChallenge(challenges: Challenge[]): Challenge | undefined {
  return (
    challenges.find((c) => c.scheme === 'bearer') ?? challenges.find((c) => c.scheme === 'basic')
  );
}

function basicHeader(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

function parseScope(scope: string): { resource: string; actions: string[] } {
  const last = scope.lastIndexOf(':');
  return { resource: scope.slice(0, last), actions: scope.slice(last + 1).split(',') };
}

/** True when a token granted for `have` serves a request needing `need`. */
function covers(have: string[], need: string[]): boolean {
  const granted = new Map<string, Set<string>>();
  for (const s of have) {
    const { resource, actions } = parseScope(s);
    const set = granted.get(resource) ?? new Set<string>();
    for (const a of actions) set.add(a);
    granted.set(resource, set);
  }
  return need.every((s) => {
    const { resource, actions } = parseScope(s);
    const set = granted.get(resource);
    return set !== undefined && actions.every((a) => set.has(a) || set.has('*'));
  });
}

function mergeScopes(a: string[], b: string[]): string[] {
  const merged = new Map<string, Set<string>>();
  for (const s of [...a, ...b]) {
    const { resource, actions } = parseScope(s);
    const set = merged.get(resource) ?? new Set<string>();
    for (const x of actions) set.add(x);
    merged.set(resource, set);
  }
  return [...merged].map(([r, actions]) => `${r}:${[...actions].sort().join(',')}`);
}

function repositoryOf(scopes: string[], registry: string): string {
  const s = scopes.find((x) => x.startsWith('repository:'));
  return s ? `${registry}/${parseScope(s).resource.slice('repository:'.length)}` : registry;
}

function needsPush(scopes: string[], method: string): boolean {
  return (
    !['GET', 'HEAD'].includes(method) ||
    scopes.some((s) => parseScope(s).actions.some((a) => a === 'push' || a === 'delete'))
  );
}
