// Uploading blobs (distribution's POST/PUT, or PATCH chunks with resume), restarting a broken
// session after checking the registry did not store the blob already.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { backoffDelay, RETRY_STATUSES } from '../util/backoff.js';
import { digestOf } from '../util/digest.js';
import { sleep } from '../util/sleep.js';
import { blobExists } from './blobs.js';
import { DIGEST_MISMATCH, type RepoContext } from './context.js';
import { RegistryError, RegistryNetworkError } from './errors.js';
import { unexpected } from './failures.js';
import type { TransportResponse } from './http.js';
import { parseDigest } from './reference.js';

export type BlobSource = { path: string } | { bytes: Buffer | Uint8Array };

/** Codes meaning the upload session is gone or broken: start a new one. */
const UPLOAD_RESTART_CODES = new Set([
  'BLOB_UPLOAD_UNKNOWN',
  'BLOB_UPLOAD_INVALID',
  'DIGEST_INVALID',
]);

/** Uploads a blob unless the registry has it; returns whether it uploaded. */
export async function uploadBlob(
  ctx: RepoContext,
  source: BlobSource,
  digest: string,
  size: number,
  options: { fresh?: boolean; session?: Promise<UploadSession> } = {},
): Promise<boolean> {
  parseDigest(digest);
  if ('bytes' in source) {
    const bytes = Buffer.from(source.bytes);
    const actual = digestOf(bytes);
    if (bytes.length !== size || (digest.startsWith('sha256:') && actual !== digest)) {
      throw new Error(`uploadBlob: bytes do not match ${digest} (size ${size})`);
    }
  }
  // A file's size is checked while the first requests are on their way, not before: a stat goes
  // through the thread pool, and whatever else this thread starts meanwhile (publish starts the
  // signature's work one tick after the artifact's uploads) would otherwise send first.
  const sized =
    'path' in source
      ? stat(source.path).then((st) => {
          if (st.size !== size)
            throw new Error(`uploadBlob: ${source.path} is ${st.size} bytes, expected ${size}`);
        })
      : undefined;
  sized?.catch(() => {});
  const signal = ctx.signal();
  // The HEAD and the upload session's POST go out at once: a new blob (the usual case: every
  // change of the tree is a new layer) costs two round trips instead of three, and a blob the
  // registry has costs one, its unused session left to expire like any abandoned one.
  // A session opened beforehand (openUpload) is used after the HEAD; its owner settles it.
  let session: Promise<UploadSession> | undefined = options.session;
  if (!options.fresh) {
    const unused = new AbortController();
    const opening =
      options.session ?? startSession(ctx, digest, AbortSignal.any([signal, unused.signal]));
    opening.catch(() => {});
    const abandon = async () => {
      unused.abort(); // not left retrying a POST whose session nobody will use
      await opening.catch(() => {});
    };
    const [found, checked] = await Promise.allSettled([blobExists(ctx, digest), sized]);
    if (checked.status === 'rejected' || found.status === 'rejected') {
      await abandon();
      throw checked.status === 'rejected'
        ? checked.reason
        : (found as PromiseRejectedResult).reason;
    }
    const exists = found.value;
    if (exists) {
      await abandon();
      return false;
    }
    session = opening;
  } else {
    await sized;
  }
  const maxAttempts = Math.max(1, ctx.options.retry?.maxAttempts ?? 5);
  // A lost answer (reset after the registry stored the blob, a 5xx from a proxy in between)
  // makes the session's retry meet 404: so after any failure the blob is checked with HEAD
  // first, and only then is a new session started. Bounded by the retry attempts.
  for (let attempt = 1; ; attempt++) {
    try {
      const started = session ?? startSession(ctx, digest, signal);
      session = undefined;
      return await uploadOnce(ctx, source, digest, size, signal, await started);
    } catch (err) {
      if (!restartable(err) || signal.aborted) throw err;
      if (await blobExists(ctx, digest)) return true;
      if (attempt >= maxAttempts) throw exhausted(ctx, err, attempt);
      await sleep(backoffDelay(attempt, ctx.options.retry), signal).catch(() => {
        throw err;
      });
    }
  }
}

/** An upload session opened before its blob exists (see openUpload). */
export interface PendingUpload {
  /**
   * Uploads a blob through the opened session: one the registry cannot have yet without a HEAD;
   * with `check`, a HEAD first (a blob it has is not sent again; the session is then unused).
   */
  upload(
    source: BlobSource,
    digest: string,
    size: number,
    options?: { check?: boolean },
  ): Promise<boolean>;
  /** Stops the session's POST if nothing was uploaded, and waits for it to settle. */
  settle(): Promise<void>;
}

/**
 * Opens an upload session now, for a blob made later (a signature bundle waits for its Rekor
 * entry, an artifact's layer for its build): only the closing PUT is left for when it exists,
 * one round trip less after it (and, to a remote registry, a connection already open).
 */
export function openUpload(ctx: RepoContext, what: string): PendingUpload {
  const unused = new AbortController();
  const opening = startSession(ctx, what, AbortSignal.any([ctx.signal(), unused.signal]));
  opening.catch(() => {});
  let used = false;
  return {
    upload: (source, digest, size, options = {}) => {
      used = true;
      return uploadBlob(ctx, source, digest, size, { fresh: !options.check, session: opening });
    },
    settle: async () => {
      if (!used) unused.abort();
      await opening.catch(() => {});
    },
  };
}

/** An open upload session: where to send the blob, and the registry's least chunk size. */
interface UploadSession {
  url: string;
  minChunk: number;
}

/** Opens an upload session (POST). */
async function startSession(
  ctx: RepoContext,
  digest: string,
  signal: AbortSignal,
): Promise<UploadSession> {
  const operation = `start upload of ${/^[a-z0-9]+:/.test(digest) ? `blob ${digest}` : digest}`;
  const start = await ctx.transport.request({
    method: 'POST',
    url: ctx.path('blobs/uploads/'),
    headers: { 'content-length': '0' },
    scopes: ctx.pushScope,
    signal,
    idempotent: true, // a second session is harmless; the first one just expires
    operation,
  });
  if (start.status !== 202) throw await unexpected(start, operation); // reads the error body
  await start.dump();
  const location = start.header('location');
  if (!location)
    throw new RegistryError(`${operation}: no Location header`, start.status, undefined, {
      registry: ctx.repository.registry,
      operation,
    });
  return {
    url: new URL(location, start.url).toString(),
    minChunk: Number(start.header('oci-chunk-min-length') ?? 0) || 0,
  };
}

async function uploadOnce(
  ctx: RepoContext,
  source: BlobSource,
  digest: string,
  size: number,
  signal: AbortSignal,
  session: UploadSession,
): Promise<boolean> {
  let url = session.url;
  const threshold = ctx.options.chunkThreshold ?? 128 * 1024 * 1024;
  if (size > threshold) {
    const chunk = Math.max(ctx.options.chunkSize ?? 32 * 1024 * 1024, session.minChunk);
    url = await uploadChunks(ctx, source, url, size, chunk, signal);
    return finishUpload(ctx, url, digest, undefined, 0, signal);
  }
  return finishUpload(ctx, url, digest, source, size, signal);
}

/** The closing PUT; not retried here (a retry on a closed session meets 404): see uploadBlob. */
async function finishUpload(
  ctx: RepoContext,
  location: string,
  digest: string,
  source: BlobSource | undefined,
  size: number,
  signal: AbortSignal,
): Promise<boolean> {
  const url = new URL(location);
  url.searchParams.set('digest', digest);
  const operation = `upload blob ${digest}`;
  const res = await ctx.transport.request({
    method: 'PUT',
    url: url.toString(),
    headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) },
    ...(source ? { body: bodyFactory(source, 0, size) } : {}),
    scopes: ctx.pushScope,
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
        registry: ctx.repository.registry,
        operation,
      },
    );
  }
  return true;
}

/** PATCHes `size` bytes in chunks; on a failed chunk, asks the registry where to resume. */
async function uploadChunks(
  ctx: RepoContext,
  source: BlobSource,
  location: string,
  size: number,
  chunkSize: number,
  signal: AbortSignal,
): Promise<string> {
  let url = location;
  let offset = 0;
  let failures = 0;
  const maxFailures = ctx.options.retry?.maxAttempts ?? 5;
  while (offset < size) {
    const end = Math.min(size, offset + chunkSize);
    let res: TransportResponse | undefined;
    let failure: unknown;
    try {
      res = await ctx.transport.request({
        method: 'PATCH',
        url,
        headers: {
          'content-type': 'application/octet-stream',
          'content-length': String(end - offset),
          'content-range': `${offset}-${end - 1}`,
        },
        body: bodyFactory(source, offset, end),
        scopes: ctx.pushScope,
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
            registry: ctx.repository.registry,
            operation: 'upload blob chunk',
          },
        )
      );
    }
    // Resume where the registry says it is (GET on the upload URL answers 204 with Range);
    // a session that is gone (404) makes uploadBlob start a new one.
    await sleep(backoffDelay(failures, ctx.options.retry), signal);
    const status = await ctx.transport.request({
      method: 'GET',
      url,
      scopes: ctx.pushScope,
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

/** Failures after which a fresh upload session may succeed (see uploadBlob). */
/**
 * An upload's last failure once its sessions are used up: a 429/5xx answer is worded as the
 * transport words a request it retried ("answered 500, after 5 attempts"), not as one answer.
 */
function exhausted(ctx: RepoContext, err: unknown, attempts: number): unknown {
  if (!(err instanceof RegistryError) || !RETRY_STATUSES.has(err.status)) return err;
  return new RegistryNetworkError(
    {
      registry: ctx.repository.registry,
      operation: err.operation ?? 'upload blob',
      failure: 'status',
      status: err.status,
      attempts,
      exhausted: true,
      reached: true,
      ...(err.code ? { detail: err.code } : {}),
    },
    { cause: err },
  );
}

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
