// Builds the Flux content layer: walk → tar → gzip → temporary file, hashing as it streams,
// so memory stays bounded whatever the size of the tree (gzip may run on a second thread: layer-sink.ts).
import { createHash, type Hash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ArtifactError } from './errors.js';
import type { GzipKind } from './gzip.js';
import { FLUX_DEFAULT_IGNORE, IgnoreMatcher } from './ignore.js';
import type { EncodedLayer } from './layer-encoder.js';
import type { EncoderThread, LayerSink } from './layer-sink.js';
import { encodeHeader, paddingFor, TRAILER } from './tar.js';
import { planRoot, type RootPlan, type WalkEntry, type WalkStats, walk } from './walk.js';

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
  /** Which thread deflates (default `auto`: a second one for a tar over 3 MiB); see layer-sink.ts. */
  readonly encoderThread?: EncoderThread;
  /** Stops the build between entries (its file removed), e.g. when nobody will take the layer. */
  signal?: AbortSignal;
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
  /** The thread that gzipped it: the build's own, or the encoder thread. */
  readonly encoder: 'main' | 'worker';
  /** Removes the temporary file and its directory; safe to call twice. */
  cleanup(): Promise<void>;
}

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

let sinkModule: Promise<typeof import('./layer-sink.js')> | undefined;
/** Once per process; also called early (`prepareBuild`) to load it while something else waits. */
const loadSink = () => {
  sinkModule ??= import('./layer-sink.js');
  return sinkModule;
};

/** Starts loading the layer encoder now, so the first build does not wait for it. */
export function prepareBuild(): void {
  loadSink().catch(() => {});
}

/** Longest stretch of building between two turns of the event loop. */
const YIELD_EVERY_MS = 4;

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
  // The encoder (Go's deflate, its tables, the wasm search loop) loads with the first build, not
  // with every entry point that can build: publish and push print their first line without it.
  const { LayerSink } = await loadSink();
  const sink = new LayerSink(options.gzip ?? 'go1.26', options.encoderThread ?? 'auto');
  let plan: RootPlan;
  let dir: string;
  try {
    plan = await planRoot(walkOpts); // path errors surface before any file is created
    dir = await mkdtemp(join(options.tmpDir ?? tmpdir(), 'flux-layer-'));
  } catch (err) {
    await sink.close();
    throw err;
  }
  const file = join(dir, 'layer.tar.gz');
  const cleanup = () => rm(dir, { recursive: true, force: true });
  const stats: WalkStats = { skippedSymlinks: 0, skippedSpecial: 0, skippedUnresolved: 0 };
  const tarHash = createHash('sha256');
  let entries = 0;
  let files = 0;
  let fd: number | null = null;
  let tarSize = 0;
  let encoded: EncodedLayer;
  try {
    fd = openSync(file, 'wx', 0o600);
    sink.attach(fd);
    const out = new TarBatches(sink, tarHash);
    let ranSince = performance.now();
    for await (const e of walk(walkOpts, stats, plan)) {
      options.signal?.throwIfAborted();
      // The walk and the file reads are synchronous and their awaits microtasks only: without a
      // turn of the event loop now and then, nothing else on this thread (an answer from the
      // registry, the OIDC token request a keyless signature starts while the layer is built, a
      // module being loaded) would run until the build ends.
      if (performance.now() - ranSince > YIELD_EVERY_MS) {
        await new Promise<void>((go) => setImmediate(go));
        ranSince = performance.now();
      }
      entries++;
      if (e.type === 'file') files++;
      await out.put(encodeHeader(e));
      if (e.type === 'file' && e.size > 0) {
        await out.file(e);
        const pad = paddingFor(e.size);
        if (pad > 0) await out.zeros(pad);
      }
    }
    await out.put(TRAILER);
    tarSize = await out.flush();
    encoded = await sink.finish();
    closeSync(fd);
    fd = null;
  } catch (err) {
    await sink.close();
    if (fd !== null) closeSync(fd);
    await cleanup();
    throw err;
  }
  return {
    file,
    digest: encoded.digest,
    size: encoded.size,
    tarDigest: `sha256:${tarHash.digest('hex')}`,
    tarSize,
    entries,
    files,
    skipped: stats,
    encoder: sink.thread,
    cleanup,
  };
}

/**
 * Gathers the tar into batches, reading file contents straight into them, hashes each full batch
 * and hands it to the sink. File reads are synchronous on purpose: the build is CPU-bound, and
 * thousands of small async open/read/close round trips left the CPU idle ~20% of the time.
 */
class TarBatches {
  private buf: Uint8Array;
  private pos = 0;
  private total = 0;
  private readonly probe = Buffer.alloc(1);

  constructor(
    private readonly sink: LayerSink,
    private readonly hash: Hash,
  ) {
    this.buf = sink.first();
  }

  async put(b: Uint8Array): Promise<void> {
    for (let off = 0; off < b.length; ) {
      const n = Math.min(b.length - off, this.buf.length - this.pos);
      this.buf.set(n === b.length ? b : b.subarray(off, off + n), this.pos);
      this.pos += n;
      off += n;
      if (this.pos === this.buf.length) await this.flush();
    }
  }

  async zeros(count: number): Promise<void> {
    for (let left = count; left > 0; ) {
      const n = Math.min(left, this.buf.length - this.pos);
      this.buf.fill(0, this.pos, this.pos + n);
      this.pos += n;
      left -= n;
      if (this.pos === this.buf.length) await this.flush();
    }
  }

  /** Appends exactly `e.size` bytes of the file; a file that changes size meanwhile is an error. */
  async file(e: WalkEntry): Promise<void> {
    const name = e.name.toString('utf8');
    let fd: number;
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
      for (let left = e.size; left > 0; ) {
        const n = readSync(
          fd,
          this.buf,
          this.pos,
          Math.min(left, this.buf.length - this.pos),
          null,
        );
        if (n === 0) throw changed(name);
        this.pos += n;
        left -= n;
        if (this.pos === this.buf.length) await this.flush();
      }
      if (readSync(fd, this.probe, 0, 1, null) !== 0) throw changed(name);
    } finally {
      closeSync(fd);
    }
  }

  /** Hands over what is gathered; returns the tar's length so far. */
  async flush(): Promise<number> {
    if (this.pos > 0) {
      const length = this.pos;
      this.hash.update(this.buf.subarray(0, length));
      this.total += length;
      this.pos = 0;
      const next = this.sink.put(this.buf, length);
      this.buf = next instanceof Uint8Array ? next : await next;
    }
    return this.total;
  }
}

function changed(name: string): ArtifactError {
  return new ArtifactError({ code: 'ENTRY_CHANGED', name, change: 'size' });
}
