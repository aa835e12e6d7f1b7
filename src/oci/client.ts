// Registry operations on one repository (OCI distribution spec v1.1): a facade over the parts,
// each in its own file like oras-go's repository: blobs.ts and upload.ts (blobs), manifests.ts,
// tags.ts, referrers.ts, all on one Transport (transport.ts) through a RepoContext (context.ts).
import type { Readable } from 'node:stream';
import { type AuthOptions, resolveCredentials } from './auth.js';
import { blobExists, fetchBlob } from './blobs.js';
import { RepoContext } from './context.js';
import type { Credentials } from './credentials.js';
import type { Deadline } from './deadline.js';
import {
  deleteManifest,
  getManifest,
  headManifest,
  type ManifestDescriptor,
  putManifest,
  putManifestOnce,
  readForUpdate,
} from './manifests.js';
import type { Repository } from './reference.js';
import { Referrers } from './referrers.js';
import type { RetryOptions } from './retry.js';
import type { SharedTagLimits, WriteCondition, WriteOutcome } from './shared-tag-types.js';
import { deleteTag, listTags } from './tags.js';
import { Transport, type TransportOptions } from './transport.js';
import { type Descriptor, type FetchedManifest, MANIFEST_ACCEPT, MEDIA_TYPE } from './types.js';
import { type BlobSource, openUpload, type PendingUpload, uploadBlob } from './upload.js';

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

export class RegistryClient {
  readonly repository: Repository;
  readonly transport: Transport;
  private readonly ctx: RepoContext;
  private readonly referrers: Referrers;

  constructor(repository: Repository, options: RegistryClientOptions = {}) {
    this.repository = repository;
    this.transport = new Transport({
      registry: repository.registry,
      credentials: options.credentials ?? (() => resolveCredentials(repository, options)),
      ...pick(options, ['insecure', 'userAgent', 'retry', 'dispatcher', 'mask', 'idleTimeoutMs']),
    });
    this.ctx = new RepoContext(repository, this.transport, options);
    this.referrers = new Referrers(this.ctx);
  }

  blobExists(digest: string): Promise<boolean> {
    return blobExists(this.ctx, digest);
  }

  /**
   * Uploads a blob unless the registry has it; returns whether it uploaded. `fresh`: the caller
   * knows the registry cannot have it yet (it holds a new signature), so no HEAD asks first; a
   * re-upload of a blob that is there after all is harmless.
   */
  uploadBlob(
    source: BlobSource,
    digest: string,
    size: number,
    options: { fresh?: boolean } = {},
  ): Promise<boolean> {
    return uploadBlob(this.ctx, source, digest, size, options);
  }

  /** An upload session opened now for a blob made later (`what` names it in errors). */
  openUpload(what: string): PendingUpload {
    return openUpload(this.ctx, what);
  }

  /** Streams a blob, verifying its digest; the stream errors on a mismatch (see blobs.ts). */
  fetchBlob(digest: string): Promise<Readable> {
    return fetchBlob(this.ctx, digest);
  }

  getManifest(ref: string): Promise<FetchedManifest> {
    return getManifest(this.ctx, ref);
  }

  /** The manifest's descriptor, or `undefined` when there is none. */
  headManifest(ref: string): Promise<ManifestDescriptor | undefined> {
    return headManifest(this.ctx, ref);
  }

  /** PUTs manifest bytes by tag or digest; returns the digest. */
  putManifest(
    ref: string,
    bytes: Buffer | Uint8Array,
    mediaType: string,
    extraHeaders: Record<string, string> = {},
  ): Promise<string> {
    return putManifest(this.ctx, ref, bytes, mediaType, extraHeaders);
  }

  /** Deletes a manifest by digest; `false` when it was not there. */
  deleteManifest(digest: string): Promise<boolean> {
    return deleteManifest(this.ctx, digest);
  }

  /** Deletes one tag and leaves the manifest (see tags.ts). */
  deleteTag(tag: string): Promise<'deleted' | 'absent' | 'unsupported'> {
    return deleteTag(this.ctx, tag);
  }

  /** Every tag, following `Link` pagination (or `last` when the registry sends no Link). */
  listTags(): Promise<string[]> {
    return listTags(this.ctx);
  }

  /** Manifests whose `subject` is `digest` (API, else the referrers tag), by `artifactType`. */
  listReferrers(digest: string, artifactType?: string): Promise<Descriptor[]> {
    return this.referrers.list(digest, artifactType);
  }

  /** Whether the registry answers the referrers API; asked once per client (memoised). */
  referrersApiSupported(digest: string): Promise<boolean> {
    return this.referrers.apiSupported(digest);
  }

  /** GET of a tag about to be updated: exact bytes, digest and ETag; `undefined` when absent. */
  readForUpdate(
    ref: string,
    accept: string = MANIFEST_ACCEPT,
  ): Promise<{ bytes: Buffer; digest: string; etag?: string } | undefined> {
    return readForUpdate(this.ctx, ref, accept);
  }

  /** One manifest PUT to a shared tag, never re-sent by the transport (see manifests.ts). */
  putManifestOnce(
    ref: string,
    bytes: Buffer | Uint8Array,
    mediaType: string,
    condition: WriteCondition = {},
    sendIf?: () => boolean,
  ): Promise<WriteOutcome> {
    return putManifestOnce(this.ctx, ref, bytes, mediaType, condition, sendIf);
  }

  /** Adds `add` to the referrers tag of `subjectDigest`, keeping concurrent writers' entries. */
  updateReferrersTag(subjectDigest: string, add: Descriptor): Promise<void> {
    return this.referrers.updateTag(subjectDigest, add);
  }

  /** Deadline, signal and round trip for a shared-tag update (also used by the `.sig` writer). */
  sharedTagLimits(): SharedTagLimits {
    return this.ctx.sharedTagLimits();
  }

  /** PUTs a manifest with a `subject` and lists it as a referrer where needed; its digest. */
  putReferrer(
    bytes: Buffer | Uint8Array,
    mediaType: string = MEDIA_TYPE.ociManifest,
    /** The subject's manifest is stored once this resolves (it may be in flight meanwhile). */
    stored?: Promise<unknown>,
  ) {
    return this.referrers.put(bytes, mediaType, stored);
  }
}

function pick<T extends object, K extends keyof T>(obj: T, keys: K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const k of keys) if (obj[k] !== undefined) out[k] = obj[k];
  return out;
}
