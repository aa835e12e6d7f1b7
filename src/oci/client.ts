// Registry operations on one repository (OCI distribution spec v1.1), on top of Transport.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { type Readable, Transform } from 'node:stream';
import { UserError } from '../util/errors.js';
import { type AuthOptions, resolveCredentials } from './auth.js';
import type { Credentials } from './credentials.js';
import { RegistryError } from './errors.js';
import { isDigest, parseDigest, type Repository } from './reference.js';
import type { RetryOptions } from './retry.js';
import { sleep } from './retry.js';
import { survivesConcurrentWriters } from './settle.js';
import {
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
  /** Attempts for the referrers-tag read-merge-write loop. Default 10. */
  referrersTagAttempts?: number;
}

export type BlobSource = { path: string } | { bytes: Buffer | Uint8Array };

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

const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
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

  constructor(repository: Repository, options: RegistryClientOptions = {}) {
    this.repository = repository;
    this.options = options;
    this.pullScope = [`repository:${repository.path}:pull`];
    this.pushScope = [`repository:${repository.path}:pull,push`];
    this.transport = new Transport({
      registry: repository.registry,
      credentials: options.credentials ?? (() => resolveCredentials(repository, options)),
      ...pick(options, ['insecure', 'userAgent', 'retry', 'dispatcher', 'mask']),
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
    });
    await res.dump();
    if (res.status === 200) return true;
    if (res.status === 404) return false;
    throw await unexpected(res, `HEAD blob ${digest}`);
  }

  /** Uploads a blob unless the registry has it; returns whether it uploaded. */
  async uploadBlob(source: BlobSource, digest: string, size: number): Promise<boolean> {
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
    if (await this.blobExists(digest)) return false;
    const signal = this.signal();
    const start = await this.transport.request({
      method: 'POST',
      url: this.path('blobs/uploads/'),
      headers: { 'content-length': '0' },
      scopes: this.pushScope,
      signal,
      idempotent: true, // a second session is harmless; the first one just expires
    });
    await start.dump();
    if (start.status !== 202) throw await unexpected(start, `start upload of ${digest}`);
    const location = start.header('location');
    if (!location)
      throw new RegistryError(`start upload of ${digest}: no Location header`, start.status);
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

  private async finishUpload(
    location: string,
    digest: string,
    source: BlobSource | undefined,
    size: number,
    signal: AbortSignal,
  ): Promise<boolean> {
    const url = new URL(location);
    url.searchParams.set('digest', digest);
    const res = await this.transport.request({
      method: 'PUT',
      url: url.toString(),
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) },
      ...(source ? { body: bodyFactory(source, 0, size) } : {}),
      scopes: this.pushScope,
      signal,
    });
    await res.dump();
    if (res.status !== 201) throw await unexpected(res, `upload blob ${digest}`);
    const stored = res.header('docker-content-digest');
    if (stored && stored !== digest) {
      throw new RegistryError(`upload blob ${digest}: registry stored it as ${stored}`, res.status);
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
        });
      } catch (err) {
        if (err instanceof UserError || signal.aborted) throw err;
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
      if (res && ![408, 416, 429, 500, 502, 503, 504].includes(res.status)) {
        throw await unexpected(res, 'upload blob chunk');
      }
      await res?.dump();
      if (++failures >= maxFailures) {
        throw (
          failure ??
          new RegistryError(`upload blob chunk: registry answered ${res?.status}`, res?.status ?? 0)
        );
      }
      // Resume where the registry says it is (GET on the upload URL answers 204 with Range).
      await sleep(Math.min(1000 * 2 ** (failures - 1), 10_000) * Math.random(), signal);
      const status = await this.transport.request({
        method: 'GET',
        url,
        scopes: this.pushScope,
        signal,
      });
      await status.dump();
      if (status.status !== 204) throw await unexpected(status, 'upload status');
      const loc = status.header('location');
      if (loc) url = new URL(loc, status.url).toString();
      const range = parseRange(status.header('range'));
      offset = range === undefined ? 0 : range + 1;
    }
    return url;
  }

  /** Streams a blob, verifying its digest; the stream errors on a mismatch. */
  async fetchBlob(digest: string): Promise<Readable> {
    const parsed = parseDigest(digest);
    const res = await this.transport.request({
      method: 'GET',
      url: this.path(`blobs/${digest}`),
      scopes: this.pullScope,
      signal: this.signal(),
      followRedirects: true,
    });
    if (res.status === 404) {
      await res.dump();
      throw new RegistryError(
        `blob ${digest} not found in ${this.repository.name}`,
        404,
        'BLOB_UNKNOWN',
      );
    }
    if (res.status !== 200) throw await unexpected(res, `GET blob ${digest}`);
    const hash = createHash(parsed.algorithm);
    const verify = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        hash.update(chunk);
        cb(null, chunk);
      },
      flush(cb) {
        const actual = `${parsed.algorithm}:${hash.digest('hex')}`;
        cb(
          actual === digest
            ? null
            : new Error(`blob ${digest} from the registry has digest ${actual}`),
        );
      },
    });
    res.body.on('error', (err) => verify.destroy(err));
    return res.body.pipe(verify);
  }

  async getManifest(ref: string): Promise<FetchedManifest> {
    const res = await this.transport.request({
      method: 'GET',
      url: this.path(`manifests/${ref}`),
      headers: { accept: MANIFEST_ACCEPT },
      scopes: this.pullScope,
      signal: this.signal(),
    });
    if (res.status === 404) {
      await res.dump();
      throw new ManifestNotFoundError(this.repository.name, ref);
    }
    if (res.status !== 200) throw await unexpected(res, `GET manifest ${ref}`);
    const length = Number(res.header('content-length') ?? 0);
    if (length > MAX_MANIFEST_BYTES) {
      res.body.destroy();
      throw new RegistryError(`manifest ${ref} is larger than 4 MiB`, res.status);
    }
    const bytes = await res.bytes();
    const algorithm = isDigest(ref) ? parseDigest(ref).algorithm : 'sha256';
    const digest = `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`;
    if (isDigest(ref) && digest !== ref) {
      throw new RegistryError(`manifest ${ref} from the registry has digest ${digest}`, res.status);
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
      });
      if (res.status === 404) {
        await res.dump();
        return tags; // no such repository yet: no tags
      }
      if (res.status !== 200) throw await unexpected(res, 'list tags');
      const body = JSON.parse(await res.text()) as { tags?: string[] | null };
      const pageTags = body.tags ?? [];
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
        );
      }
      const index = JSON.parse(await res.text()) as Partial<Index>;
      out.push(...(index.manifests ?? []));
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
    });
    if (res.status === 404) {
      await res.dump();
      return { index: emptyIndex() };
    }
    if (res.status !== 200) throw await unexpected(res, `GET referrers tag ${tag}`);
    const etag = res.header('etag');
    const parsed = JSON.parse(await res.text()) as Partial<Index>;
    const index: Index = { ...emptyIndex(), ...parsed, manifests: parsed.manifests ?? [] };
    return etag ? { index, etag } : { index };
  }

  /**
   * Adds `add` to the `sha256-<hex>` referrers tag of `subjectDigest` without losing entries
   * written concurrently: read → merge → PUT (If-Match when the registry gave an ETag) → wait
   * a little → re-read, and start over when our entry is missing. Writers in one process are
   * serialised; across processes this narrows the race to what registries without ETags allow.
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
    const attempts = this.options.referrersTagAttempts ?? 10;
    let window = 0;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const started = Date.now();
      const { index, etag } = await this.readReferrersTag(subjectDigest);
      if (!index.manifests.some((d) => d.digest === add.digest)) {
        index.manifests = [...index.manifests, add];
        const bytes = Buffer.from(JSON.stringify(index));
        const put = await this.putManifestResponse(
          tag,
          bytes,
          MEDIA_TYPE.ociIndex,
          etag ? { 'if-match': etag } : {},
        );
        window = Math.max(window, Date.now() - started);
        if (put.status === 412) {
          await sleep(Math.random() * 50 * attempt, this.signal());
          continue;
        }
      }
      const present = async () =>
        (await this.readReferrersTag(subjectDigest)).index.manifests.some(
          (d) => d.digest === add.digest,
        );
      if (await survivesConcurrentWriters(present, window, this.signal())) return;
      await sleep(Math.random() * 50 * attempt, this.signal());
    }
    throw new Error(
      `could not add ${add.digest} to referrers tag ${tag} of ${this.repository.name} after ${attempts} attempts: too many concurrent writers`,
    );
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
    if ((await this.referrersFromApi(manifest.subject.digest)) !== undefined) return digest;
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

  private signal(): AbortSignal {
    const timeout = AbortSignal.timeout(this.options.timeoutMs ?? 5 * 60_000);
    return this.options.signal ? AbortSignal.any([this.options.signal, timeout]) : timeout;
  }
}

/** `sha256:<hex>` → `sha256-<hex>` (OCI referrers tag schema). */
export function referrersTagFor(digest: string): string {
  const { algorithm, hex } = parseDigest(digest);
  return `${algorithm}-${hex}`;
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
