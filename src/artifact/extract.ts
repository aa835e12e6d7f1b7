// Safe extraction of a Flux layer (tar+gzip), like fluxcd/pkg/tar Untar with WithSkipSymlinks
// but stricter: names are checked component by component, existing symlinks in the destination
// are never written through, and sizes and entry counts can be capped.

import { createHash } from 'node:crypto';
import { constants as C } from 'node:fs';
import { lstat, mkdir, open, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { ArtifactError, UnsafeArchiveError } from './errors.js';
import { readTar, TarFormatError } from './tarread.js';

export interface ExtractLimits {
  /**
   * Cap on the sum of file sizes (exceeded → error before the offending file is written); for a
   * gzip layer also on every decompressed byte, headers and whatever follows the end of the
   * archive included, so a bomb stops at the cap and not at the end of the stream.
   */
  readonly maxBytes?: number;
  /** Cap on the number of tar entries. */
  readonly maxEntries?: number;
  /** The layer's descriptor: the compressed bytes must be exactly these (checked while reading). */
  readonly expect?: { readonly digest: string; readonly size: number };
}

/**
 * Default entry cap for pull (the `max-entries` input): 20x the 5,000-file tree of our benchmarks
 * and far above a config repository, while an archive of empty entries stays a few seconds and a
 * few hundred thousand inodes at most.
 */
export const DEFAULT_MAX_ENTRIES = 100_000;

export interface ExtractResult {
  files: number;
  dirs: number;
  bytes: number;
  /** Symlinks and hard links in the archive, left out like Flux's WithSkipSymlinks. */
  skippedLinks: number;
}

export { UnsafeArchiveError };

/**
 * Splits and checks a tar name: `/`-separated, relative, no `..`, no backslash, no NUL.
 * Empty and `.` components are dropped (`./a//b` → a, b); [] is the root.
 */
function safeComponents(name: Buffer): string[] | string {
  if (name.length === 0) return 'empty name';
  if (name[0] === 0x2f) return 'absolute path';
  if (name.includes(0x5c)) return 'backslash in name';
  if (name.includes(0)) return 'NUL in name';
  const text = name.toString('utf8');
  if (!Buffer.from(text, 'utf8').equals(name)) return 'name is not valid UTF-8';
  const parts = text.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) return "'..' component";
  // Linux's PATH_MAX and NAME_MAX: longer names cannot be created anyway (PAX/GNU long names).
  if (name.length > 4095) return 'name longer than 4095 bytes';
  if (parts.some((p) => Buffer.byteLength(p) > 255))
    return 'a name component longer than 255 bytes';
  return parts;
}

/** Extracts a gzip-compressed Flux layer into `dir` (created if missing). */
export async function extractLayer(
  gz: Readable | AsyncIterable<Buffer>,
  dir: string,
  limits: ExtractLimits = {},
): Promise<ExtractResult> {
  const gunzip = createGunzip();
  // A source that errors after the pipeline has given up (e.g. its own digest check failing
  // while we stop at a size cap) must not crash the process as an unhandled 'error' event.
  if ('on' in gz && typeof gz.on === 'function') gz.on('error', () => {});
  // Errors of the source reach the reader through gunzip; the promise itself is only awaited.
  const feeding = (
    limits.expect ? pipeline(gz, checkDescriptor(limits.expect), gunzip) : pipeline(gz, gunzip)
  ).catch((err: unknown) => err);
  try {
    const result = await extractTar(capped(gunzip, limits.maxBytes), dir, limits);
    const feedErr = await feeding;
    if (feedErr) throw feedErr;
    return result;
  } catch (caught) {
    // A failed digest or size check upstream surfaces downstream as a premature close: say why.
    gunzip.destroy();
    const upstream = await feeding;
    const err = upstream instanceof UnsafeArchiveError ? upstream : caught;
    if (err instanceof TarFormatError) {
      throw new UnsafeArchiveError(`the artifact layer is not a valid tar: ${err.message}`);
    }
    const code = (err as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && code.startsWith('Z_')) {
      throw new UnsafeArchiveError(`the artifact layer is not valid gzip (${code})`);
    }
    throw err;
  } finally {
    gunzip.destroy();
  }
}

/** Hashes and counts the compressed bytes; more than the descriptor's size stops at once. */
function checkDescriptor(expect: { digest: string; size: number }): Transform {
  const [algorithm] = expect.digest.split(':');
  const hash = createHash(algorithm === 'sha512' ? 'sha512' : 'sha256');
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      seen += chunk.length;
      if (seen > expect.size) {
        cb(
          new UnsafeArchiveError(
            `the registry sent more than the ${expect.size} bytes the manifest gives for layer ${expect.digest}`,
          ),
        );
        return;
      }
      hash.update(chunk);
      cb(null, chunk);
    },
    flush(cb) {
      const actual = `${algorithm}:${hash.digest('hex')}`;
      if (seen !== expect.size || actual !== expect.digest) {
        cb(
          new UnsafeArchiveError(
            `the layer the registry sent is not ${expect.digest} (got ${seen} bytes, ${actual}); nothing was extracted`,
          ),
        );
        return;
      }
      cb();
    },
  });
}

/** Counts decompressed bytes, everything after the end of the archive included. */
async function* capped(source: AsyncIterable<Buffer>, max: number | undefined) {
  let total = 0;
  for await (const chunk of source) {
    total += chunk.length;
    if (max !== undefined && total > max) {
      throw new UnsafeArchiveError(
        `the artifact layer decompresses to more than the limit of ${max} bytes (max-size); nothing was extracted`,
      );
    }
    yield chunk;
  }
}

/** Extracts an uncompressed tar stream. */
export async function extractTar(
  tar: AsyncIterable<Buffer>,
  dir: string,
  limits: ExtractLimits = {},
): Promise<ExtractResult> {
  const maxBytes = limits.maxBytes ?? Number.POSITIVE_INFINITY;
  const maxEntries = limits.maxEntries ?? Number.POSITIVE_INFINITY;
  const result: ExtractResult = { files: 0, dirs: 0, bytes: 0, skippedLinks: 0 };
  await mkdir(dir, { recursive: true });
  const root = await lstat(dir);
  if (!root.isDirectory())
    throw new ArtifactError({ code: 'OUTPUT_UNUSABLE', output: dir, problem: 'target' });
  const safeDirs = new Set<string>(['']);
  const now = Date.now() / 1000;
  let entries = 0;

  // Creates (or checks) each parent directory, refusing to pass through a symlink.
  const ensureDirs = async (parts: string[], mode: number) => {
    for (let i = 1; i <= parts.length; i++) {
      const rel = parts.slice(0, i).join('/');
      if (safeDirs.has(rel)) continue;
      const abs = join(dir, rel);
      try {
        const st = await lstat(abs);
        if (!st.isDirectory()) {
          throw new UnsafeArchiveError(
            `artifact entry path '${rel}' already exists in the output and is not a directory${st.isSymbolicLink() ? ' (a symlink)' : ''}; extract into an empty directory`,
          );
        }
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        await mkdir(abs, { mode: i === parts.length ? mode : 0o750 });
      }
      safeDirs.add(rel);
    }
  };

  for await (const e of readTar(tar)) {
    if (++entries > maxEntries) {
      throw new UnsafeArchiveError(`the artifact has more than ${maxEntries} entries`);
    }
    const parts = safeComponents(e.name);
    const shown = JSON.stringify(e.name.toString('utf8'));
    if (typeof parts === 'string') {
      throw new UnsafeArchiveError(`refusing to extract artifact entry ${shown}: ${parts}`);
    }
    if (e.typeflag === '1' || e.typeflag === '2') {
      result.skippedLinks++;
      continue;
    }
    if (e.typeflag === '5') {
      // Flux: MkdirAll(perm | 0700); existing directories keep their mode.
      await ensureDirs(parts, (e.mode & 0o777) | 0o700);
      result.dirs++;
      continue;
    }
    if (e.typeflag !== '0' && e.typeflag !== '7') {
      throw new UnsafeArchiveError(
        `refusing to extract artifact entry ${shown}: unsupported tar entry type '${e.typeflag}'`,
      );
    }
    if (parts.length === 0) {
      throw new UnsafeArchiveError(`refusing to extract artifact entry ${shown}: a file named '.'`);
    }
    if (result.bytes + e.size > maxBytes) {
      throw new UnsafeArchiveError(
        `the artifact's files exceed the limit of ${maxBytes} bytes (at ${shown})`,
      );
    }
    await ensureDirs(parts.slice(0, -1), 0o750);
    const abs = join(dir, ...parts);
    // O_NOFOLLOW: an existing symlink at the destination makes this fail instead of being followed.
    let fh: Awaited<ReturnType<typeof open>>;
    try {
      fh = await open(abs, C.O_WRONLY | C.O_CREAT | C.O_TRUNC | C.O_NOFOLLOW, e.mode & 0o777);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ELOOP' || code === 'EISDIR') {
        throw new UnsafeArchiveError(
          `refusing to extract artifact entry ${shown}: the output already has a ${code === 'ELOOP' ? 'symlink' : 'directory'} there; extract into an empty directory`,
        );
      }
      throw err;
    }
    let written = 0;
    try {
      for await (const chunk of e.body()) {
        written += chunk.length;
        await fh.write(chunk);
      }
    } finally {
      await fh.close();
    }
    if (written !== e.size) throw new TarFormatError(`short file ${shown}`);
    result.bytes += e.size;
    result.files++;
    const mtime = Math.min(e.mtime, now);
    await utimes(abs, mtime, mtime);
  }
  return result;
}
