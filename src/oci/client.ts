// Registry operations on one repository (OCI distribution spec v1.1), on top of Transport.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { UserError } from '../util/errors.js';
import { type AuthOptions, resolveCredentials } from './auth.js';
import type { Credentials } from './credentials.js';
import { RegistryError, RegistryNetworkError } from './errors.js';
import { isDigest, parseDigest, type Repository } from './reference.js';
import {
  backoffDelay,
  DeadlineReached,
  parseRetryAfter,
  RETRY_STATUSES,
  type RetryOptions,
  sleep,
} from './retry.js';
import { addToSharedTag, type WriteCondition, type WriteOutcome } from './shared-tag.js';
import {
  failureOf,
  isNetworkError,
  Transport,
  type TransportOptions,
  type TransportResponse,
  unexpected,
} from './transport.js';
import {
  type Descriptor,
  type FetchedManifest,
  type Index,
  MANIFEST_ACCEPT,
  MEDIA_TYPE,
} from './types.js';

export interface RegistryClientOptions extends AuthOptions {
  /** Use these instead of resolving from `AuthOptions`. */
  credentials?: Credentials;
  /** Allow plain HTTP to a non-loopback registry. */
  insecure?: boolean;
  userAgent?: string;
  retry?: RetryOptions;
  dispatcher?: TransportOptions['dispatcher'];
  /** Per operation (one method call), default 5 minutes like `flux push --timeout`. */
  timeoutMs?: number;
  /**
   * Overall deadline shared by every operation of this client (and any other client given the
   * same object): `at` is an epoch time in ms, `limitMs` the budget it came from (for messages).
   */
  deadline?: Deadline;
  /** Idle timeout per request (headers, and between body chunks). Default 60 s. */
  idleTimeoutMs?: number;
  signal?: AbortSignal;
  /**
   * Blobs up to this size go in one PUT; larger ones in PATCH chunks. Default 128 MiB: Flux
   * artifacts are almost always far smaller, and one request is fastest, while chunks keep
   * very large layers under proxy body limits and let a failed chunk resume.
   */
  chunkThreshold?: number;
  /** Chunk size for chunked uploads, raised to the registry's OCI-Chunk-Min-Length. Default 32 MiB. */
  chunkSize?: number;
  /** `n` for tag listing. Default 1000. */
  tagPageSize?: number;
  /** Attempts for the referrers-tag read-merge-write loop. Default 12. */
  referrersTagAttempts?: number;
  /** Total time for one shared-tag update (referrers tag, `.sig`). Default 90 s. */
  sharedTagDeadlineMs?: number;
}

export type BlobSource = { path: string } | { bytes: Buffer | Uint8Array };

export interface Deadline {
  at: number;
  limitMs: number;
}

/** A deadline `limitMs` from now. */
export function deadlineIn(limitMs: number): Deadline {
  return { at: Date.now() + limitMs, limitMs };
}

export interface ManifestDescriptor {
  digest: string;
  mediaType: string;
  size: number;
}

/** A manifest (or tag) that is not in the registry: what the user named does not exist. */
export class ManifestNotFoundError extends UserError {
  constructor(repository: string, ref: string) {
    const sep = isDigest(ref) ? '@' : ':';
    super(
      `${repository}${sep}${ref} not found in the registry: check the repository and the tag or digest`,
      'repository',
    );
  }
}

/** Caps on what we read into memory: manifests and indexes (as distribution), tag list and
 * referrers pages (1000 entries fit in far less). */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
export const MAX_LIST_PAGE_BYTES = 4 * 1024 * 1024;
/** Our code (not the registry's) for content whose digest is not the one asked for. */
export const DIGEST_MISMATCH = 'DIGEST_MISMATCH';
/** Codes meaning the upload session is gone or broken: start a new one. */
const UPLOAD_RESTART_CODES = new Set([
  'BLOB_UPLOAD_UNKNOWN',
  'BLOB_UPLOAD_INVALID',
  'DIGEST_INVALID',
]);
const BLOB_RACE_ATTEMPTS = 4;
const BLOB_RACE_CODES = new Set(['DIGEST_INVALID', 'BLOB_UNKNOWN', 'MANIFEST_BLOB_UNKNOWN']);
const MAX_PAGES = 1000;

export class RegistryClient {
  readonly repository: Repository;
  readonly transport: Transport;
  private readonly options: RegistryClientOptions;
  private readonly pullScope: string[];
  private readonly pushScope: string[];
  private readonly referrerLocks = new Map<string, Promise<unknown>>();
  /** Whether the registry answers the referrers API (undefined: not asked yet). */
  private referrersApi: Promise<boolean> | undefined;

  constructor(repository: Repository, options: RegistryClientOptions = {}) {
    this.repository = repository;
    this.options = options;
    this.pullScope = [`repository:${repository.path}:pull`];
    this.pushScope = [`repository:${repository.path}:pull,push`];
    this.transport = new Transport({
      registry: repository.registry,
      credentials: options.credentials ?? (() => resolveCredentials(repository, options)),
      ...pick(options, ['insecure', 'userAgent', 'retry', 'dispatcher', 'mask', 'idleTimeoutMs']),
    });
  }

  async blobExists(digest: string): Promise<boolean> {
    const signal = this.signal();
    const res = await this.transport.request({
      method: 'HEAD',
      url: this.path(`blobs/${digest}`),
      scopes: this.pullScope,
      signal,
      followRedirects: true,
      operation: `HEAD blob ${digest}`,
    });
    await res.dump();
    if (res.status === 200) return true;
    if (res.status === 404) return false;
    throw await unexpected(res, `HEAD blob ${digest}`);
  }

  /**
   * Uploads a blob unless the registry has it; returns whether it uploaded. `fresh`: the caller
   * knows the registry cannot have it yet (it holds a new signature), so no HEAD asks first; a
   * re-upload of a blob that is there after all is harmless.
   */
  async uploadBlob(
    source: BlobSource,
    digest: string,
    size: number,
    options: { fresh?: boolean } = {},
  ): Promise<boolean> {
    parseDigest(digest);
    if ('bytes' in source) {
      const bytes = Buffer.from(source.bytes);
      const actual = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
      if (bytes.length !== size || (digest.startsWith('sha256:') && actual !== digest)) {
        throw new Error(`uploadBlob: bytes do not match ${digest} (size ${size})`);
      }
    } else {
      const st = await stat(source.path);
      if (st.size !== size)
        throw new Error(`uploadBlob: ${source.path} is ${st.size} bytes, expected ${size}`);
    }
    if (!options.fresh && (await this.blobExists(digest))) return false;
    const signal = this.signal();
    const maxAttempts = Math.max(1, this.options.retry?.maxAttempts ?? 5);
    // A lost answer (reset after the registry stored the blob, a 5xx from a proxy in between)
    // makes the session's retry meet 404: so after any failure the blob is checked with HEAD
    // first, and only then is a new session started. Bounded by the retry attempts.
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.uploadOnce(source, digest, size, signal);
      } catch (err) {
        if (!restartable(err) || signal.aborted) throw err;
        if (await this.blobExists(digest)) return true;
        if (attempt >= maxAttempts) throw err;
        await sleep(backoffDelay(attempt, this.options.retry), signal).catch(() => {
          throw err;
        });
      }
    }
  }

  private async uploadOnce(
    source: BlobSource,
    digest: string,
    size: number,
    signal: AbortSignal,
  ): Promise<boolean> {
    const start = await this.transport.request({
      method: 'POST',
      url: this.path('blobs/uploads/'),
      headers: { 'content-length': '0' },
      scopes: this.pushScope,
      signal,
      idempotent: true, // a second session is harmless; the first one just expires
      operation: `start upload of blob ${digest}`,
    });
    await start.dump();
    if (start.status !== 202) throw await unexpected(start, `start upload of blob ${digest}`);
    const location = start.header('location');
    if (!location)
      throw new RegistryError(
        `start upload of blob ${digest}: no Location header`,
        start.status,
        undefined,
        {
          registry: this.repository.registry,
          operation: `start upload of blob ${digest}`,
        },
      );
    let url = new URL(location, start.url).toString();

    const threshold = this.options.chunkThreshold ?? 128 * 1024 * 1024;
    if (size > threshold) {
      const minChunk = Number(start.header('oci-chunk-min-length') ?? 0) || 0;
      const chunk = Math.max(this.options.chunkSize ?? 32 * 1024 * 1024, minChunk);
      url = await this.uploadChunks(source, url, size, chunk, signal);
      return this.finishUpload(url, digest, undefined, 0, signal);
    }
    return this.finishUpload(url, digest, source, size, signal);
  }

  /** The closing PUT; not retried here (a retry on a closed session meets 404): see uploadBlob. */
  private async finishUpload(
    location: string,
    digest: string,
    source: BlobSource | undefined,
    size: number,
    signal: AbortSignal,
  ): Promise<boolean> {
    const url = new URL(location);
    url.searchParams.set('digest', digest);
    const operation = `upload blob ${digest}`;
    const res = await this.transport.request({
      method: 'PUT',
      url: url.toString(),
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) },
      ...(source ? { body: bodyFactory(source, 0, size) } : {}),
      scopes: this.pushScope,
      signal,
      noRetry: true,
      operation,
    });
    if (res.status !== 201) throw await unexpected(res, operation);
    await res.dump();
    const stored = res.header('docker-content-digest');
    if (stored && stored !== digest) {
      throw new RegistryError(
        `${operation}: registry stored it as ${stored}`,
        res.status,
        DIGEST_MISMATCH,
        {
          registry: this.repository.registry,
          operation,
        },
      );
    }
    return true;
  }

  /** PATCHes `size` bytes in chunks; on a failed chunk, asks the registry where to resume. */
  private async uploadChunks(
    source: BlobSource,
    location: string,
    size: number,
    chunkSize: number,
    signal: AbortSignal,
  ): Promise<string> {
    let url = location;
    let offset = 0;
    let failures = 0;
    const maxFailures = this.options.retry?.maxAttempts ?? 5;
    while (offset < size) {
      const end = Math.min(size, offset + chunkSize);
      let res: TransportResponse | undefined;
      let failure: unknown;
      try {
        res = await this.transport.request({
          method: 'PATCH',
          url,
          headers: {
            'content-type': 'application/octet-stream',
            'content-length': String(end - offset),
            'content-range': `${offset}-${end - 1}`,
          },
          body: bodyFactory(source, offset, end),
          scopes: this.pushScope,
          signal,
          noRetry: true,
          operation: 'upload blob chunk',
        });
      } catch (err) {
        if (!(err instanceof RegistryNetworkError) || signal.aborted) throw err;
        failure = err;
      }
      if (res && res.status === 202) {
        await res.dump();
        const next = res.header('location');
        if (next) url = new URL(next, res.url).toString();
        const range = parseRange(res.header('range'));
        offset = range === undefined ? end : range + 1;
        continue;
      }
      if (res && res.status !== 416 && !RETRY_STATUSES.has(res.status)) {
        throw await unexpected(res, 'upload blob chunk');
      }
      await res?.dump();
      if (++failures >= maxFailures) {
        throw (
          failure ??
          new RegistryError(
            `upload blob chunk: registry answered ${res?.status}`,
            res?.status ?? 0,
            undefined,
            {
              registry: this.repository.registry,
              operation: 'upload blob chunk',
            },
          )
        );
      }
      // Resume where the registry says it is (GET on the upload URL answers 204 with Range);
      // a session that is gone (404) makes uploadBlob start a new one.
      await sleep(backoffDelay(failures, this.options.retry), signal);
      const status = await this.transport.request({
        method: 'GET',
        url,
        scopes: this.pushScope,
        signal,
        operation: 'GET upload status',
      });
      if (status.status !== 204) throw await unexpected(status, 'GET upload status');
      await status.dump();
      const loc = status.header('location');
      if (loc) url = new URL(loc, status.url).toString();
      const range = parseRange(status.header('range'));
      offset = range === undefined ? 0 : range + 1;
    }
    return url;
  }

  /**
   * Streams a blob, verifying its digest; the stream errors on a mismatch. A reset or stall in
   * the middle of the body is retried with the same backoff, resuming with `Range` (or skipping
   * what was already passed on when the registry answers 200 to a range request).
   */
  async fetchBlob(digest: string): Promise<Readable> {
    const parsed = parseDigest(digest);
    const signal = this.signal();
    const operation = `GET blob ${digest}`;
    const get = async (from: number): Promise<TransportResponse> => {
      let res = await this.transport.request({
        method: 'GET',
        url: this.path(`blobs/${digest}`),
        ...(from > 0 ? { headers: { range: `bytes=${from}-` } } : {}),
        scopes: this.pullScope,
        signal,
        followRedirects: true,
        operation,
      });
      if (res.status === 404) {
        await res.dump();
        throw new RegistryError(
          `blob ${digest} not found in ${this.repository.name}`,
          404,
          'BLOB_UNKNOWN',
          {
            registry: this.repository.registry,
            operation,
          },
        );
      }
      if (from > 0 && res.status === 416) {
        // Some registries (ggcr's) refuse open-ended ranges: read from the start and skip.
        await res.dump();
        res = await this.transport.request({
          method: 'GET',
          url: this.path(`blobs/${digest}`),
          scopes: this.pullScope,
          signal,
          followRedirects: true,
          operation,
        });
      }
      if (res.status !== 200 && !(from > 0 && res.status === 206))
        throw await unexpected(res, operation);
      return res;
    };
    const first = await get(0);
    const maxAttempts = Math.max(1, this.options.retry?.maxAttempts ?? 5);
    const transport = this.transport;
    const retry = this.options.retry;
    const overDeadline = (cause: unknown, attempts: number): Error => {
      const reason = signal.reason as unknown;
      if (!(reason instanceof DeadlineReached))
        return reason instanceof Error ? reason : new Error('aborted');
      return new RegistryNetworkError(
        {
          registry: transport.registry,
          operation,
          failure: 'deadline',
          attempts,
          reached: true,
          limitMs: reason.limitMs,
        },
        { cause },
      );
    };
    const registryHost = this.repository.registry;
    const hash = createHash(parsed.algorithm);
    // One stream carries the bytes and the digest check: a consumer that gives up (a size cap,
    // a bad entry) destroys it, which returns this generator and so destroys the HTTP body.
    // A body left paused keeps the socket, and with it the process, alive after the step failed.
    async function* chunks(): AsyncGenerator<Buffer> {
      let res = first;
      let received = 0;
      try {
        for (let attempt = 1; ; ) {
          let skip = res.status === 200 ? received : 0;
          try {
            for await (const c of res.body) {
              let chunk = c as Buffer;
              if (skip > 0) {
                const drop = Math.min(skip, chunk.length);
                skip -= drop;
                chunk = chunk.subarray(drop);
                if (chunk.length === 0) continue;
              }
              received += chunk.length;
              hash.update(chunk);
              yield chunk;
            }
            break;
          } catch (err) {
            if (signal.aborted) throw overDeadline(err, attempt);
            if (!isNetworkError(err)) throw err;
            attempt++;
            if (attempt > maxAttempts) {
              throw new RegistryNetworkError(
                {
                  registry: transport.registry,
                  operation,
                  failure: failureOf(err),
                  attempts: maxAttempts,
                  exhausted: true,
                  reached: true,
                },
                { cause: err },
              );
            }
            await sleep(backoffDelay(attempt - 1, retry), signal).catch((e) => {
              throw overDeadline(e, attempt);
            });
            res = await get(received);
          }
        }
      } finally {
        res.body.destroy();
      }
      const actual = `${parsed.algorithm}:${hash.digest('hex')}`;
      if (actual !== digest) {
        throw new RegistryError(
          `blob ${digest} from the registry has digest ${actual}`,
          200,
          DIGEST_MISMATCH,
          { registry: registryHost, operation },
        );
      }
    }
    return Readable.from(chunks(), { objectMode: false });
  }

  async getManifest(ref: string): Promise<FetchedManifest> {
    const res = await this.transport.request({
      method: 'GET',
      url: this.path(`manifests/${ref}`),
      headers: { accept: MANIFEST_ACCEPT },
      scopes: this.pullScope,
      signal: this.signal(),
      operation: `GET manifest ${ref}`,
      read: { maxBytes: MAX_MANIFEST_BYTES },
    });
    if (res.status === 404) {
      await res.dump();
      throw new ManifestNotFoundError(this.repository.name, ref);
    }
    if (res.status !== 200) throw await unexpected(res, `GET manifest ${ref}`);
    const bytes = await res.bytes();
    const algorithm = isDigest(ref) ? parseDigest(ref).algorithm : 'sha256';
    const digest = `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`;
    if (isDigest(ref) && digest !== ref) {
      throw new RegistryError(
        `manifest ${ref} from the registry has digest ${digest}`,
        res.status,
        DIGEST_MISMATCH,
        {
          registry: this.repository.registry,
          operation: `GET manifest ${ref}`,
        },
      );
    }
    return { bytes, mediaType: manifestMediaType(res.header('content-type'), bytes), digest };
  }

  /** The manifest's descriptor, or `undefined` when there is none. */
  async headManifest(ref: string): Promise<ManifestDescriptor | undefined> {
    const res = await this.transport.request({
      method: 'HEAD',
      url: this.path(`manifests/${ref}`),
      headers: { accept: MANIFEST_ACCEPT },
      scopes: this.pullScope,
      signal: this.signal(),
      operation: `HEAD manifest ${ref}`,
    });
    await res.dump();
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw await unexpected(res, `HEAD manifest ${ref}`);
    const digest = res.header('docker-content-digest');
    const size = Number(res.header('content-length'));
    const mediaType = res.header('content-type')?.split(';')[0]?.trim();
    if (!digest || !isDigest(digest) || !Number.isFinite(size) || !mediaType) {
      // Some registries omit these on HEAD: fall back to a GET.
      const m = await this.getManifest(ref);
      return { digest: m.digest, mediaType: m.mediaType, size: m.bytes.length };
    }
    if (isDigest(ref) && digest !== ref) {
      throw new RegistryError(
        `HEAD manifest ${ref}: registry answered digest ${digest}`,
        res.status,
      );
    }
    return { digest, mediaType, size };
  }

  /** PUTs manifest bytes by tag or digest; returns the digest. */
  async putManifest(
    ref: string,
    bytes: Buffer | Uint8Array,
    mediaType: string,
    extraHeaders: Record<string, string> = {},
  ): Promise<string> {
    return (await this.putManifestResponse(ref, bytes, mediaType, extraHeaders)).digest;
  }

  private async putManifestResponse(
    ref: string,
    bytes: Buffer | Uint8Array,
    mediaType: string,
    extraHeaders: Record<string, string> = {},
  ): Promise<{ digest: string; subject?: string; status: number }> {
    const body = Buffer.from(bytes);
    const algorithm = isDigest(ref) ? parseDigest(ref).algorithm : 'sha256';
    const digest = `${algorithm}:${createHash(algorithm).update(body).digest('hex')}`;
    if (isDigest(ref) && digest !== ref) {
      throw new Error(`putManifest: bytes have digest ${digest}, not ${ref}`);
    }
    const signal = this.signal();
    let res: TransportResponse;
    for (let attempt = 1; ; attempt++) {
      res = await this.transport.request({
        method: 'PUT',
        url: this.path(`manifests/${ref}`),
        headers: {
          'content-type': mediaType,
          'content-length': String(body.length),
          ...extraHeaders,
        },
        body,
        scopes: this.pushScope,
        signal,
        operation: `PUT manifest ${ref}`,
      });
      if (res.status === 412) {
        await res.dump();
        return { digest, status: 412 };
      }
      if (res.status === 201 || res.status === 200) break;
      const err = await unexpected(res, `PUT manifest ${ref}`);
      // We upload blobs before their manifest, so "blob unknown/invalid" means another client is
      // still linking the same blob (two jobs signing one digest upload one payload): distribution
      // answers 400 DIGEST_INVALID or BLOB_UNKNOWN for a moment. Bounded retry, then give up.
      if (attempt >= BLOB_RACE_ATTEMPTS || !BLOB_RACE_CODES.has(err.code ?? '')) throw err;
      await sleep(100 * attempt + Math.random() * 100, signal);
    }
    await res.dump();
    const stored = res.header('docker-content-digest');
    if (stored?.startsWith(`${algorithm}:`) && stored !== digest) {
      throw new RegistryError(
        `PUT manifest ${ref}: registry stored digest ${stored}, expected ${digest}`,
        res.status,
        DIGEST_MISMATCH,
        { registry: this.repository.registry, operation: `PUT manifest ${ref}` },
      );
    }
    const subject = res.header('oci-subject');
    return { digest, status: res.status, ...(subject ? { subject } : {}) };
  }

  /** Deletes a manifest by digest; `false` when it was not there. */
  async deleteManifest(digest: string): Promise<boolean> {
    parseDigest(digest);
    const res = await this.transport.request({
      method: 'DELETE',
      url: this.path(`manifests/${digest}`),
      scopes: [`repository:${this.repository.path}:pull,push,delete`],
      signal: this.signal(),
      operation: `DELETE manifest ${digest}`,
    });
    if (res.status === 202 || res.status === 200 || res.status === 204) {
      await res.dump();
      return true;
    }
    const err = await unexpected(res, `DELETE manifest ${digest}`);
    if (res.status === 404 && err.code !== 'UNSUPPORTED') return false;
    if (res.status === 405 || err.code === 'UNSUPPORTED') {
      throw new UserError(
        `registry ${this.repository.registry} does not allow deleting manifests (${res.status}${err.code ? ` ${err.code}` : ''}): enable deletes (distribution: storage.delete.enabled: true) or delete ${this.repository.name}@${digest} in the registry's UI`,
        'repository',
      );
    }
    throw err;
  }

  /**
   * Deletes one tag and leaves the manifest (OCI 1.1 `DELETE /v2/<name>/manifests/<tag>`, which
   * registries MAY support). `unsupported` when the registry refuses (distribution 2.x answers
   * 400 DIGEST_INVALID, others 405 or UNSUPPORTED), `absent` when the tag does not exist.
   */
  async deleteTag(tag: string): Promise<'deleted' | 'absent' | 'unsupported'> {
    const res = await this.transport.request({
      method: 'DELETE',
      url: this.path(`manifests/${tag}`),
      scopes: [`repository:${this.repository.path}:pull,push,delete`],
      signal: this.signal(),
    });
    if (res.status === 202 || res.status === 200 || res.status === 204) {
      await res.dump();
      return 'deleted';
    }
    const err = await unexpected(res, `DELETE tag ${tag}`);
    if (res.status === 404 && err.code !== 'UNSUPPORTED') return 'absent';
    if (res.status === 400 || res.status === 405 || err.code === 'UNSUPPORTED')
      return 'unsupported';
    throw err;
  }

  /** Every tag, following `Link` pagination (or `last` when the registry sends no Link). */
  async listTags(): Promise<string[]> {
    const n = this.options.tagPageSize ?? 1000;
    const signal = this.signal();
    const tags: string[] = [];
    const seen = new Set<string>();
    let url: string | undefined = this.path(`tags/list?n=${n}`);
    for (let page = 0; url && page < MAX_PAGES; page++) {
      const res = await this.transport.request({
        method: 'GET',
        url,
        scopes: this.pullScope,
        signal,
        operation: 'list tags',
        read: { maxBytes: MAX_LIST_PAGE_BYTES },
      });
      if (res.status === 404) {
        await res.dump();
        return tags; // no such repository yet: no tags
      }
      if (res.status !== 200) throw await unexpected(res, 'list tags');
      const body = this.json<{ tags?: unknown }>(await res.bytes(), 'list tags', res.status);
      const pageTags = Array.isArray(body.tags)
        ? body.tags.filter((t): t is string => typeof t === 'string')
        : [];
      const fresh = pageTags.filter((t) => !seen.has(t));
      for (const t of fresh) {
        seen.add(t);
        tags.push(t);
      }
      const next = nextLink(res.header('link'));
      const last = pageTags[pageTags.length - 1];
      if (fresh.length === 0) url = undefined;
      else if (next) url = new URL(next, res.url).toString();
      else if (pageTags.length === n && last !== undefined) {
        // Some registries (ggcr's) page with `n`/`last` but send no Link header.
        url = this.path(`tags/list?n=${n}&last=${encodeURIComponent(last)}`);
      } else url = undefined;
    }
    return tags;
  }

  /**
   * Manifests whose `subject` is `digest`: from the referrers API, or, on registries without it,
   * from the `sha256-<hex>` referrers tag. Filtered by `artifactType` when given.
   */
  async listReferrers(digest: string, artifactType?: string): Promise<Descriptor[]> {
    const fromApi = await this.referrersFromApi(digest, artifactType);
    const list = fromApi ?? (await this.readReferrersTag(digest)).index.manifests;
    const resolved = await this.resolveArtifactTypes(list);
    return artifactType ? resolved.filter((d) => d.artifactType === artifactType) : resolved;
  }

  /** Whether the registry answers the referrers API; asked once per client (memoised). */
  referrersApiSupported(digest: string): Promise<boolean> {
    this.referrersApi ??= this.referrersFromApi(digest).then((list) => list !== undefined);
    this.referrersApi.catch(() => {
      this.referrersApi = undefined; // a failed probe is asked again next time
    });
    return this.referrersApi;
  }

  /** `undefined` when the registry has no referrers API. */
  private async referrersFromApi(
    digest: string,
    artifactType?: string,
  ): Promise<Descriptor[] | undefined> {
    parseDigest(digest);
    const signal = this.signal();
    const query = artifactType ? `?artifactType=${encodeURIComponent(artifactType)}` : '';
    let url: string | undefined = this.path(`referrers/${digest}${query}`);
    const out: Descriptor[] = [];
    for (let page = 0; url && page < MAX_PAGES; page++) {
      const res = await this.transport.request({
        method: 'GET',
        url,
        headers: { accept: MEDIA_TYPE.ociIndex },
        scopes: this.pullScope,
        signal,
        operation: `GET referrers of ${digest}`,
        read: { maxBytes: MAX_LIST_PAGE_BYTES },
      });
      const type = res.header('content-type')?.split(';')[0]?.trim();
      if (res.status !== 200 || (type !== MEDIA_TYPE.ociIndex && type !== 'application/json')) {
        await res.dump();
        if (
          page === 0 &&
          (res.status === 404 || res.status === 400 || res.status === 405 || res.status === 200)
        ) {
          return undefined;
        }
        throw new RegistryError(
          `GET referrers of ${digest}: registry answered ${res.status}`,
          res.status,
          undefined,
          { registry: this.repository.registry, operation: `GET referrers of ${digest}` },
        );
      }
      const index = this.json<Partial<Index>>(await res.bytes(), `GET referrers of ${digest}`, 200);
      out.push(...(Array.isArray(index.manifests) ? index.manifests : []));
      const next = nextLink(res.header('link'));
      url = next ? new URL(next, res.url).toString() : undefined;
    }
    return out;
  }

  /**
   * Some registries (ggcr's) report the config media type as artifactType; an OCI 1.1 artifact
   * with an empty config carries its real type in the manifest, so read it from there.
   */
  private async resolveArtifactTypes(list: Descriptor[]): Promise<Descriptor[]> {
    const out: Descriptor[] = [];
    for (const d of list) {
      if (d.artifactType && d.artifactType !== MEDIA_TYPE.ociEmpty) {
        out.push(d);
        continue;
      }
      try {
        const m = JSON.parse((await this.getManifest(d.digest)).bytes.toString()) as {
          artifactType?: string;
          config?: Descriptor;
        };
        const type = m.artifactType ?? m.config?.mediaType;
        out.push(type ? { ...d, artifactType: type } : d);
      } catch (err) {
        if (!(err instanceof ManifestNotFoundError)) throw err;
        // listed but gone (deleted): skip it
      }
    }
    return out;
  }

  private async readReferrersTag(digest: string): Promise<{ index: Index; etag?: string }> {
    const tag = referrersTagFor(digest);
    const res = await this.transport.request({
      method: 'GET',
      url: this.path(`manifests/${tag}`),
      headers: { accept: MEDIA_TYPE.ociIndex },
      scopes: this.pullScope,
      signal: this.signal(),
      operation: `GET referrers tag ${tag}`,
      read: { maxBytes: MAX_MANIFEST_BYTES },
    });
    if (res.status === 404) {
      await res.dump();
      return { index: emptyIndex() };
    }
    if (res.status !== 200) throw await unexpected(res, `GET referrers tag ${tag}`);
    const etag = res.header('etag');
    const parsed = this.json<Partial<Index>>(await res.bytes(), `GET referrers tag ${tag}`, 200);
    const manifests = Array.isArray(parsed.manifests) ? parsed.manifests : [];
    const index: Index = { ...emptyIndex(), ...parsed, manifests };
    return etag ? { index, etag } : { index };
  }

  /**
   * GET of a tag about to be updated: exact bytes, digest and ETag (for `If-Match`);
   * `undefined` when the tag does not exist.
   */
  async readForUpdate(
    ref: string,
    accept: string = MANIFEST_ACCEPT,
  ): Promise<{ bytes: Buffer; digest: string; etag?: string } | undefined> {
    const operation = `GET manifest ${ref}`;
    const res = await this.transport.request({
      method: 'GET',
      url: this.path(`manifests/${ref}`),
      headers: { accept },
      scopes: this.pullScope,
      signal: this.signal(),
      operation,
      read: { maxBytes: MAX_MANIFEST_BYTES },
    });
    if (res.status === 404) {
      await res.dump();
      return undefined;
    }
    if (res.status !== 200) throw await unexpected(res, operation);
    const bytes = await res.bytes();
    const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    const etag = res.header('etag');
    return etag ? { bytes, digest, etag } : { bytes, digest };
  }

  /**
   * One manifest PUT to a shared tag, never re-sent by the transport: by the time a retry would
   * go out the tag may hold a newer list, so the caller reads and merges again instead.
   */
  async putManifestOnce(
    ref: string,
    bytes: Buffer | Uint8Array,
    mediaType: string,
    condition: WriteCondition = {},
  ): Promise<WriteOutcome> {
    const body = Buffer.from(bytes);
    const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
    const headers: Record<string, string> = {
      'content-type': mediaType,
      'content-length': String(body.length),
    };
    if ('ifMatch' in condition) headers['if-match'] = condition.ifMatch;
    if ('ifNoneMatch' in condition) headers['if-none-match'] = condition.ifNoneMatch;
    const operation = `PUT manifest ${ref}`;
    const res = await this.transport.request({
      method: 'PUT',
      url: this.path(`manifests/${ref}`),
      headers,
      body,
      scopes: this.pushScope,
      signal: this.signal(),
      noRetry: true,
      operation,
    });
    if (res.status === 201 || res.status === 200) {
      await res.dump();
      return { kind: 'written', digest };
    }
    if (res.status === 412) {
      await res.dump();
      return { kind: 'conflict' };
    }
    const retryAfter = parseRetryAfter(res.header('retry-after'), { maxRetryAfterMs: 10_000 });
    const err = await unexpected(res, operation);
    if (RETRY_STATUSES.has(res.status) || BLOB_RACE_CODES.has(err.code ?? '')) {
      return {
        kind: 'retry',
        reason: err.message,
        ...(retryAfter !== undefined ? { retryAfterMs: retryAfter } : {}),
      };
    }
    throw err;
  }

  /**
   * Adds `add` to the `sha256-<hex>` referrers tag of `subjectDigest` without losing entries
   * written concurrently (src/oci/shared-tag.ts). Writers in one process are serialised.
   */
  async updateReferrersTag(subjectDigest: string, add: Descriptor): Promise<void> {
    const key = subjectDigest;
    const previous = this.referrerLocks.get(key) ?? Promise.resolve();
    const run = previous
      .catch(() => {})
      .then(() => this.updateReferrersTagUnlocked(subjectDigest, add));
    this.referrerLocks.set(key, run);
    try {
      await run;
    } finally {
      if (this.referrerLocks.get(key) === run) this.referrerLocks.delete(key);
    }
  }

  private async updateReferrersTagUnlocked(subjectDigest: string, add: Descriptor): Promise<void> {
    const tag = referrersTagFor(subjectDigest);
    let base: Index = emptyIndex();
    await addToSharedTag<Descriptor>({
      store: {
        read: async () => {
          const fetched = await this.readForUpdate(tag, MEDIA_TYPE.ociIndex);
          if (!fetched) return { entries: [] };
          const parsed = JSON.parse(fetched.bytes.toString()) as Partial<Index>;
          base = { ...emptyIndex(), ...parsed, manifests: [] };
          return {
            entries: parsed.manifests ?? [],
            digest: fetched.digest,
            ...(fetched.etag ? { etag: fetched.etag } : {}),
          };
        },
        write: (entries, condition) =>
          this.putManifestOnce(
            tag,
            Buffer.from(JSON.stringify({ ...base, manifests: entries })),
            MEDIA_TYPE.ociIndex,
            condition,
          ),
      },
      key: (d) => d.digest,
      ours: add,
      label: `${this.repository.name}:${tag}`,
      registry: this.repository.registry,
      ...(this.options.referrersTagAttempts ? { attempts: this.options.referrersTagAttempts } : {}),
      ...this.sharedTagLimits(),
    });
  }

  /** Deadline and abort signal for a shared-tag update (also used by the `.sig` writer). */
  sharedTagLimits(): { deadlineMs?: number; signal?: AbortSignal } {
    return {
      ...(this.options.sharedTagDeadlineMs ? { deadlineMs: this.options.sharedTagDeadlineMs } : {}),
      ...(this.options.signal ? { signal: this.options.signal } : {}),
    };
  }

  /**
   * PUTs a manifest that has a `subject` (by digest) and, unless the registry indexes
   * referrers itself, adds it to the subject's referrers tag. Returns its digest.
   */
  async putReferrer(
    bytes: Buffer | Uint8Array,
    mediaType = MEDIA_TYPE.ociManifest,
  ): Promise<string> {
    const body = Buffer.from(bytes);
    const manifest = JSON.parse(body.toString()) as {
      subject?: Descriptor;
      artifactType?: string;
      config?: Descriptor;
      annotations?: Record<string, string>;
    };
    if (!manifest.subject) throw new Error('putReferrer: manifest has no subject');
    const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
    const put = await this.putManifestResponse(digest, body, mediaType);
    if (put.subject) return digest; // OCI-Subject: the registry maintains the referrers list
    if (await this.referrersApiSupported(manifest.subject.digest)) return digest;
    const descriptor: Descriptor = { mediaType, size: body.length, digest };
    const artifactType = manifest.artifactType ?? manifest.config?.mediaType;
    if (artifactType) descriptor.artifactType = artifactType;
    if (manifest.annotations) descriptor.annotations = manifest.annotations;
    await this.updateReferrersTag(manifest.subject.digest, descriptor);
    return digest;
  }

  private path(rest: string): string {
    return `/v2/${this.repository.path}/${rest}`;
  }

  /**
   * One operation's signal: aborted by the caller's signal, the operation limit or the overall
   * deadline, whichever comes first, with a `DeadlineReached` reason naming the limit.
   */
  private signal(): AbortSignal {
    const deadline = this.options.deadline;
    // With an overall deadline, operations have no limit of their own unless one is given.
    const opLimit = this.options.timeoutMs ?? (deadline ? Number.POSITIVE_INFINITY : 5 * 60_000);
    const left = deadline ? deadline.at - Date.now() : Number.POSITIVE_INFINITY;
    const overall = deadline !== undefined && left <= opLimit;
    const controller = new AbortController();
    const reason = new DeadlineReached(overall ? deadline.limitMs : opLimit);
    if (left <= 0) controller.abort(reason);
    else setTimeout(() => controller.abort(reason), Math.min(left, opLimit)).unref();
    return this.options.signal
      ? AbortSignal.any([this.options.signal, controller.signal])
      : controller.signal;
  }

  /** Parses a registry's JSON answer; anything else is the registry's fault, said so. */
  private json<T>(bytes: Buffer, operation: string, status: number): T {
    try {
      const v = JSON.parse(bytes.toString()) as unknown;
      if (v && typeof v === 'object') return v as T;
    } catch {
      // fall through
    }
    throw new RegistryError(
      `${operation}: registry answered with something that is not a JSON object`,
      status,
      undefined,
      {
        registry: this.repository.registry,
        operation,
      },
    );
  }
}

/** `sha256:<hex>` → `sha256-<hex>` (OCI referrers tag schema). */
export function referrersTagFor(digest: string): string {
  const { algorithm, hex } = parseDigest(digest);
  return `${algorithm}-${hex}`;
}

/** Failures after which a fresh upload session may succeed (see uploadBlob). */
function restartable(err: unknown): boolean {
  if (err instanceof RegistryNetworkError)
    return err.data.failure !== 'deadline' && err.data.failure !== 'too-large';
  if (err instanceof RegistryError)
    return (
      err.status === 404 ||
      RETRY_STATUSES.has(err.status) ||
      UPLOAD_RESTART_CODES.has(err.code ?? '')
    );
  return false;
}

function emptyIndex(): Index {
  return { schemaVersion: 2, mediaType: MEDIA_TYPE.ociIndex, manifests: [] };
}

function bodyFactory(source: BlobSource, start: number, end: number): () => Readable | Buffer {
  if ('bytes' in source) {
    const buf = Buffer.from(source.bytes.buffer, source.bytes.byteOffset, source.bytes.byteLength);
    return () => buf.subarray(start, end);
  }
  if (end <= start) return () => Buffer.alloc(0);
  return () => createReadStream(source.path, { start, end: end - 1 });
}

/** `Range: 0-<last>` → last byte offset received. */
function parseRange(value: string | undefined): number | undefined {
  const m = /^(?:bytes=)?0-(\d+)$/.exec(value?.trim() ?? '');
  return m ? Number(m[1]) : undefined;
}

/** The `rel="next"` target of a Link header. */
export function nextLink(link: string | undefined): string | undefined {
  if (!link) return undefined;
  for (const part of link.split(/,(?=\s*<)/)) {
    const m = /^\s*<([^>]*)>\s*(.*)$/.exec(part);
    if (m && /(?:^|;)\s*rel="?next"?\s*(?:;|$)/i.test(m[2] ?? '')) return m[1];
  }
  return undefined;
}

function manifestMediaType(contentType: string | undefined, bytes: Buffer): string {
  const fromHeader = contentType?.split(';')[0]?.trim();
  if (fromHeader && fromHeader !== 'application/json' && fromHeader !== 'text/plain')
    return fromHeader;
  try {
    const m = JSON.parse(bytes.toString()) as { mediaType?: unknown; manifests?: unknown };
    if (typeof m.mediaType === 'string') return m.mediaType;
    return Array.isArray(m.manifests) ? MEDIA_TYPE.ociIndex : MEDIA_TYPE.ociManifest;
  } catch {
    return fromHeader ?? MEDIA_TYPE.ociManifest;
  }
}

function pick<T extends object, K extends keyof T>(obj: T, keys: K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const k of keys) if (obj[k] !== undefined) out[k] = obj[k];
  return out;
}
