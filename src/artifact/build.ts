// Builds the Flux content layer: walk → tar → gzip → temporary file, hashing as it streams,
// so memory stays bounded whatever the size of the tree.
import { createHash } from 'node:crypto';
import { closeSync, createWriteStream, openSync, readSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ArtifactError } from './errors.js';
import { createGzip, type GzipKind } from './gzip.js';
import { FLUX_DEFAULT_IGNORE, IgnoreMatcher } from './ignore.js';
import { encodeHeader, paddingFor, TRAILER } from './tar.js';
import { planRoot, type WalkEntry, type WalkStats, walk } from './walk.js';

export interface BuildOptions {
  /** Directory (or single file) to package. */
  readonly path: string;
  /** gitignore-style patterns; Flux's defaults when omitted, nothing ignored when empty. */
  readonly ignorePaths?: readonly string[];
  /** Follow symlinks that stay inside `workspace`, like `flux build artifact --resolve-symlinks`. */
  readonly resolveSymlinks?: boolean;
  /** Boundary for resolved symlinks (e.g. $GITHUB_WORKSPACE); defaults to the root itself. */
  readonly workspace?: string;
  /**
   * The umask Flux would run under. It shows in modes only where Flux itself copies files
   * (a single-file `path`, or resolveSymlinks). Defaults to this process's umask, i.e. what
   * `flux` would get if run in the same step (0022 on GitHub-hosted runners).
   */
  readonly umask?: number;
  readonly gzip?: GzipKind;
  /** Where the temporary layer file goes; defaults to the OS temp dir. */
  readonly tmpDir?: string;
}

export interface Layer {
  /** The gzip-compressed tar on disk (inside a private temp dir). */
  readonly file: string;
  /** `sha256:<hex>` of the file, i.e. the layer digest. */
  readonly digest: string;
  readonly size: number;
  /** `sha256:<hex>` and size of the uncompressed tar (the OCI diffID). */
  readonly tarDigest: string;
  readonly tarSize: number;
  /** Number of tar entries (directories and files, root `.` included). */
  readonly entries: number;
  /** Number of regular files among them: 0 means an artifact that would empty a cluster. */
  readonly files: number;
  readonly skipped: Readonly<WalkStats>;
  /** Removes the temporary file and its directory; safe to call twice. */
  cleanup(): Promise<void>;
}

const BATCH = 64 * 1024;
const READ_CHUNK = 256 * 1024;

/** The process umask without the deprecated no-argument `process.umask()` call. */
export async function currentUmask(): Promise<number> {
  try {
    const status = await readFile('/proc/self/status', 'utf8');
    const m = /^Umask:\s*([0-7]+)$/m.exec(status);
    if (m) return Number.parseInt(m[1]!, 8);
  } catch {
    // not Linux
  }
  return 0o022;
}

export async function buildLayer(options: BuildOptions): Promise<Layer> {
  const umask = options.umask ?? (await currentUmask());
  const matcher = new IgnoreMatcher(options.ignorePaths ?? FLUX_DEFAULT_IGNORE);
  const walkOpts = {
    path: options.path,
    matcher,
    resolveSymlinks: options.resolveSymlinks ?? false,
    umask,
    ...(options.workspace !== undefined ? { workspace: options.workspace } : {}),
  };
  const plan = await planRoot(walkOpts); // path errors surface before any file is created

  const dir = await mkdtemp(join(options.tmpDir ?? tmpdir(), 'flux-layer-'));
  const file = join(dir, 'layer.tar.gz');
  const cleanup = () => rm(dir, { recursive: true, force: true });
  const stats: WalkStats = { skippedSymlinks: 0, skippedSpecial: 0, skippedUnresolved: 0 };
  const tarHash = createHash('sha256');
  const tgzHash = createHash('sha256');
  let tarSize = 0;
  let size = 0;
  let entries = 0;
  let files = 0;

  async function* tar(): AsyncGenerator<Buffer> {
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    const emit = (b: Buffer) => {
      tarHash.update(b);
      tarSize += b.length;
      pending.push(b);
      pendingBytes += b.length;
    };
    const flush = () => {
      const out = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes);
      pending = [];
      pendingBytes = 0;
      return out;
    };
    for await (const e of walk(walkOpts, stats, plan)) {
      entries++;
      if (e.type === 'file') files++;
      emit(encodeHeader(e));
      if (e.type === 'file' && e.size > 0) {
        for (const chunk of readExactly(e)) {
          emit(chunk);
          if (pendingBytes >= BATCH) yield flush();
        }
        const pad = paddingFor(e.size);
        if (pad > 0) emit(Buffer.alloc(pad));
      }
      if (pendingBytes >= BATCH) yield flush();
    }
    emit(TRAILER);
    yield flush();
  }

  async function* measure(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    for await (const chunk of source) {
      tgzHash.update(chunk);
      size += chunk.length;
      yield chunk;
    }
  }

  try {
    await pipeline(
      Readable.from(tar(), { highWaterMark: 2 }), // items of ≤ 1 MiB: bounded buffering
      createGzip(options.gzip ?? 'go1.26'),
      measure,
      createWriteStream(file, { mode: 0o600 }),
    );
  } catch (err) {
    await cleanup();
    throw err;
  }
  return {
    file,
    digest: `sha256:${tgzHash.digest('hex')}`,
    size,
    tarDigest: `sha256:${tarHash.digest('hex')}`,
    tarSize,
    entries,
    files,
    skipped: stats,
    cleanup,
  };
}

/**
 * Yields exactly `size` bytes of a file; a file that changes size meanwhile is an error.
 * Reads are synchronous on purpose: the build is CPU-bound (deflate runs on this thread), and
 * thousands of small async open/read/close round trips left the CPU idle ~20% of the time.
 */
function* readExactly(e: WalkEntry): Generator<Buffer> {
  let fd: number;
  const name = e.name.toString('utf8');
  try {
    fd = openSync(e.source, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ArtifactError(
      code === 'EACCES' || code === 'EPERM'
        ? { code: 'ENTRY_UNREADABLE', name }
        : { code: 'ENTRY_CHANGED', name, change: 'open', detail: String(code) },
      { cause: err },
    );
  }
  try {
    let left = e.size;
    while (left > 0) {
      const buf = Buffer.allocUnsafe(Math.min(READ_CHUNK, left));
      const bytesRead = readSync(fd, buf, 0, buf.length, null);
      if (bytesRead === 0) throw changed(name);
      left -= bytesRead;
      yield bytesRead === buf.length ? buf : buf.subarray(0, bytesRead);
    }
    if (readSync(fd, Buffer.alloc(1), 0, 1, null) !== 0) throw changed(name);
  } finally {
    closeSync(fd);
  }
}

function changed(name: string): ArtifactError {
  return new ArtifactError({ code: 'ENTRY_CHANGED', name, change: 'size' });
}
