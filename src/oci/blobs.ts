// Reading blobs: existence (HEAD) and streamed, digest-checked, resumable downloads.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { backoffDelay } from '../util/backoff.js';
import { sleep } from '../util/sleep.js';
import { DIGEST_MISMATCH, type RepoContext } from './context.js';
import { NotFoundError, RegistryError, RegistryNetworkError } from './errors.js';
import { abortError, failureOf, isNetworkError, unexpected } from './failures.js';
import type { TransportResponse } from './http.js';
import { parseDigest } from './reference.js';

export async function blobExists(ctx: RepoContext, digest: string): Promise<boolean> {
  const signal = ctx.signal();
  const res = await ctx.transport.request({
    method: 'HEAD',
    url: ctx.path(`blobs/${digest}`),
    scopes: ctx.pullScope,
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
 * Streams a blob, verifying its digest; the stream errors on a mismatch. A reset or stall in
 * the middle of the body is retried with the same backoff, resuming with `Range` (or skipping
 * what was already passed on when the registry answers 200 to a range request).
 */
export async function fetchBlob(ctx: RepoContext, digest: string): Promise<Readable> {
  const parsed = parseDigest(digest);
  const signal = ctx.signal();
  const operation = `GET blob ${digest}`;
  const get = async (from: number): Promise<TransportResponse> => {
    let res = await ctx.transport.request({
      method: 'GET',
      url: ctx.path(`blobs/${digest}`),
      ...(from > 0 ? { headers: { range: `bytes=${from}-` } } : {}),
      scopes: ctx.pullScope,
      signal,
      followRedirects: true,
      operation,
    });
    if (res.status === 404) {
      await res.dump();
      throw new NotFoundError(ctx.repository.name, digest, 'blob', {
        registry: ctx.repository.registry,
        operation,
      });
    }
    if (from > 0 && res.status === 416) {
      // Some registries (ggcr's) refuse open-ended ranges: read from the start and skip.
      await res.dump();
      res = await ctx.transport.request({
        method: 'GET',
        url: ctx.path(`blobs/${digest}`),
        scopes: ctx.pullScope,
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
  const maxAttempts = Math.max(1, ctx.options.retry?.maxAttempts ?? 5);
  const transport = ctx.transport;
  const retry = ctx.options.retry;
  const overDeadline = (cause: unknown, attempts: number): Error =>
    abortError(transport.registry, signal, cause, operation, attempts, true);
  const registryHost = ctx.repository.registry;
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
