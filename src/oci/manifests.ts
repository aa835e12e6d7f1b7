// Manifests by tag or digest: GET (exact bytes, digest-checked), HEAD, PUT (with the blob race
// retry, or once for shared tags), DELETE.
import { backoffDelay, parseRetryAfter, RETRY_STATUSES } from '../util/backoff.js';
import { digestOf } from '../util/digest.js';
import { sleep } from '../util/sleep.js';
import { DIGEST_MISMATCH, type RepoContext } from './context.js';
import { NotFoundError, OciError, RegistryError } from './errors.js';
import { unexpected } from './failures.js';
import { NotSentError, type TransportResponse } from './http.js';
import { isDigest, parseDigest } from './reference.js';
import { BLOB_RACE_CODES } from './retry.js';
import type { WriteCondition, WriteOutcome } from './shared-tag-types.js';
import { type FetchedManifest, MANIFEST_ACCEPT, MAX_MANIFEST_BYTES, MEDIA_TYPE } from './types.js';

export interface ManifestDescriptor {
  digest: string;
  mediaType: string;
  size: number;
}

const BLOB_RACE_ATTEMPTS = 4;
/** Waits of 50-100, 100-200, 200-400 ms: the other client links its blob within moments. */
const BLOB_RACE_BACKOFF = { baseDelayMs: 100, maxDelayMs: 400, jitter: 'equal' } as const;

export async function getManifest(ctx: RepoContext, ref: string): Promise<FetchedManifest> {
  const res = await ctx.transport.request({
    method: 'GET',
    url: ctx.path(`manifests/${ref}`),
    headers: { accept: MANIFEST_ACCEPT },
    scopes: ctx.pullScope,
    signal: ctx.signal(),
    operation: `GET manifest ${ref}`,
    read: { maxBytes: MAX_MANIFEST_BYTES },
  });
  if (res.status === 404) {
    await res.dump();
    throw new NotFoundError(ctx.repository.name, ref, 'manifest', {
      registry: ctx.repository.registry,
      operation: `GET manifest ${ref}`,
    });
  }
  if (res.status !== 200) throw await unexpected(res, `GET manifest ${ref}`);
  const bytes = await res.bytes();
  const algorithm = isDigest(ref) ? parseDigest(ref).algorithm : 'sha256';
  const digest = digestOf(bytes, algorithm);
  if (isDigest(ref) && digest !== ref) {
    throw new RegistryError(
      `manifest ${ref} from the registry has digest ${digest}`,
      res.status,
      DIGEST_MISMATCH,
      {
        registry: ctx.repository.registry,
        operation: `GET manifest ${ref}`,
      },
    );
  }
  return { bytes, mediaType: manifestMediaType(res.header('content-type'), bytes), digest };
}

/** The manifest's descriptor, or `undefined` when there is none. */
export async function headManifest(
  ctx: RepoContext,
  ref: string,
): Promise<ManifestDescriptor | undefined> {
  const res = await ctx.transport.request({
    method: 'HEAD',
    url: ctx.path(`manifests/${ref}`),
    headers: { accept: MANIFEST_ACCEPT },
    scopes: ctx.pullScope,
    signal: ctx.signal(),
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
    const m = await getManifest(ctx, ref);
    return { digest: m.digest, mediaType: m.mediaType, size: m.bytes.length };
  }
  if (isDigest(ref) && digest !== ref) {
    throw new RegistryError(`HEAD manifest ${ref}: registry answered digest ${digest}`, res.status);
  }
  return { digest, mediaType, size };
}

/** PUTs manifest bytes by tag or digest; returns the digest. */
export async function putManifest(
  ctx: RepoContext,
  ref: string,
  bytes: Buffer | Uint8Array,
  mediaType: string,
  extraHeaders: Record<string, string> = {},
): Promise<string> {
  return (await putManifestResponse(ctx, ref, bytes, mediaType, extraHeaders)).digest;
}

export async function putManifestResponse(
  ctx: RepoContext,
  ref: string,
  bytes: Buffer | Uint8Array,
  mediaType: string,
  extraHeaders: Record<string, string> = {},
): Promise<{ digest: string; subject?: string; status: number }> {
  const body = Buffer.from(bytes);
  const algorithm = isDigest(ref) ? parseDigest(ref).algorithm : 'sha256';
  const digest = digestOf(body, algorithm);
  if (isDigest(ref) && digest !== ref) {
    throw new Error(`putManifest: bytes have digest ${digest}, not ${ref}`);
  }
  const signal = ctx.signal();
  let res: TransportResponse;
  for (let attempt = 1; ; attempt++) {
    res = await ctx.transport.request({
      method: 'PUT',
      url: ctx.path(`manifests/${ref}`),
      headers: {
        'content-type': mediaType,
        'content-length': String(body.length),
        ...extraHeaders,
      },
      body,
      scopes: ctx.pushScope,
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
    await sleep(backoffDelay(attempt, BLOB_RACE_BACKOFF), signal);
  }
  await res.dump();
  const stored = res.header('docker-content-digest');
  if (stored?.startsWith(`${algorithm}:`) && stored !== digest) {
    throw new RegistryError(
      `PUT manifest ${ref}: registry stored digest ${stored}, expected ${digest}`,
      res.status,
      DIGEST_MISMATCH,
      { registry: ctx.repository.registry, operation: `PUT manifest ${ref}` },
    );
  }
  const subject = res.header('oci-subject');
  return { digest, status: res.status, ...(subject ? { subject } : {}) };
}

/** Deletes a manifest by digest; `false` when it was not there. */
export async function deleteManifest(ctx: RepoContext, digest: string): Promise<boolean> {
  parseDigest(digest);
  const res = await ctx.transport.request({
    method: 'DELETE',
    url: ctx.path(`manifests/${digest}`),
    scopes: [`repository:${ctx.repository.path}:pull,push,delete`],
    signal: ctx.signal(),
    operation: `DELETE manifest ${digest}`,
  });
  if (res.status === 202 || res.status === 200 || res.status === 204) {
    await res.dump();
    return true;
  }
  const err = await unexpected(res, `DELETE manifest ${digest}`);
  if (res.status === 404 && err.code !== 'UNSUPPORTED') return false;
  if (res.status === 405 || err.code === 'UNSUPPORTED') {
    throw new OciError({
      code: 'DELETE_UNSUPPORTED',
      registry: ctx.repository.registry,
      repository: ctx.repository.name,
      digest,
      status: res.status,
      ...(err.code ? { ociCode: err.code } : {}),
    });
  }
  throw err;
}

/**
 * GET of a tag about to be updated: exact bytes, digest and ETag (for `If-Match`);
 * `undefined` when the tag does not exist.
 */
export async function readForUpdate(
  ctx: RepoContext,
  ref: string,
  accept: string = MANIFEST_ACCEPT,
): Promise<{ bytes: Buffer; digest: string; etag?: string } | undefined> {
  const operation = `GET manifest ${ref}`;
  const res = await ctx.transport.request({
    method: 'GET',
    url: ctx.path(`manifests/${ref}`),
    headers: { accept },
    scopes: ctx.pullScope,
    signal: ctx.signal(),
    operation,
    read: { maxBytes: MAX_MANIFEST_BYTES },
  });
  if (res.status === 404) {
    await res.dump();
    return undefined;
  }
  if (res.status !== 200) throw await unexpected(res, operation);
  const bytes = await res.bytes();
  const digest = digestOf(bytes);
  const etag = res.header('etag');
  return etag ? { bytes, digest, etag } : { bytes, digest };
}

/**
 * One manifest PUT to a shared tag, never re-sent by the transport: by the time a retry would
 * go out the tag may hold a newer list, so the caller reads and merges again instead. `sendIf`
 * is asked where it goes out; `not-sent` when it said no.
 */
export async function putManifestOnce(
  ctx: RepoContext,
  ref: string,
  bytes: Buffer | Uint8Array,
  mediaType: string,
  condition: WriteCondition = {},
  sendIf?: () => boolean,
): Promise<WriteOutcome> {
  const body = Buffer.from(bytes);
  const digest = digestOf(body);
  const headers: Record<string, string> = {
    'content-type': mediaType,
    'content-length': String(body.length),
  };
  if ('ifMatch' in condition) headers['if-match'] = condition.ifMatch;
  if ('ifNoneMatch' in condition) headers['if-none-match'] = condition.ifNoneMatch;
  const operation = `PUT manifest ${ref}`;
  let res: TransportResponse;
  try {
    res = await ctx.transport.request({
      method: 'PUT',
      url: ctx.path(`manifests/${ref}`),
      headers,
      body,
      scopes: ctx.pushScope,
      signal: ctx.signal(),
      noRetry: true,
      operation,
      ...(sendIf ? { sendIf } : {}),
    });
  } catch (err) {
    if (err instanceof NotSentError) return { kind: 'not-sent' };
    throw err;
  }
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
