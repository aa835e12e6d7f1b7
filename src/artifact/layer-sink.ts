// Where a layer build's tar goes. Go's deflate runs on an encoder thread (layer-worker.ts), so
// that reading the tree and deflating it use two cores, as Go's `flux build artifact` does. The
// thread starts once 3 MiB of tar are read (a smaller tree, as most are, never starts it) and
// takes ~40–100 ms to be ready; a small tar read completely before then is deflated on this
// thread instead. The gzip framing, CRC-32, hashing and file writing stay here (GzipFile): the
// thread only deflates.
// Batches move between the threads as transferred buffers, at most BUFFERS of them, which bounds
// memory whatever the tree. Both paths run the same encoder code and write the same bytes.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { createDeflater, type Deflater } from './deflate/index.js';
import type { GzipKind } from './gzip.js';
import { type EncodedLayer, GzipFile, ZlibFile } from './layer-encoder.js';
import type { EncoderInit, FromEncoder, SerializedError, ToEncoder } from './layer-worker.js';

/**
 * Which thread deflates: `auto` uses the encoder thread (given two cores or more) for a tar over
 * START_AT bytes, unless the whole tar (at most INLINE_MAX bytes) is read before the thread
 * is ready; `worker` starts the thread at once and always waits for it (tests).
 */
export type EncoderThread = 'auto' | 'main' | 'worker';

/** Size of one tar batch. */
export const BATCH = 256 * 1024;
/** Batches allocated at most: the bound on tar bytes held in memory (4 MiB). */
const BUFFERS = 16;
/**
 * The thread starts once this much tar is read (full batches: the last, partial one never). Below
 * the bound on queued batches (BUFFERS), which only a ready thread frees. Measured on 2 cores at
 * load 1.2–1.6 (issue 10, docs/benchmarks.md): with the thread started at 512 KiB, trees of 0.7–16
 * MB of tar built 10–80 ms slower and took 20–150 ms more CPU than on one thread (its start, a
 * second wasm compile); it paid from ~32 MB (Flux 2.10 line).
 */
const START_AT = 12 * BATCH;
/** A tar read completely before the thread is ready (all of it queued) is deflated here. */
const INLINE_MAX = BUFFERS * BATCH;

let workerFile: URL | null | undefined;

/** One core: a second thread would only take turns with this one. */
const cores = (): number => availableParallelism();

/**
 * The encoder thread's script: dist/layer-worker.js beside the bundle's entry points (this code
 * sits in dist/chunks/ or in an entry point), or the TypeScript source when run from src/. Null
 * when there is none (e.g. another bundle): then this thread deflates.
 */
function encoderScript(): URL | null {
  if (workerFile === undefined) {
    workerFile = null;
    for (const c of ['../layer-worker.js', './layer-worker.js', './layer-worker.ts']) {
      const u = new URL(c, import.meta.url);
      if (existsSync(u)) {
        workerFile = u;
        break;
      }
    }
  }
  return workerFile;
}

// node:worker_threads is loaded when a thread starts, not with every entry point (3–30 ms).
const load = createRequire(import.meta.url);
const WorkerClass = (): typeof Worker =>
  (load('node:worker_threads') as typeof import('node:worker_threads')).Worker;

/**
 * Starts the thread. From the TypeScript sources (tests under tsx) a worker does not inherit the
 * loader's hooks on Node 20: it registers tsx itself before importing the script.
 */
function startThread(script: URL, workerData: EncoderInit): Worker {
  const Worker = WorkerClass();
  if (!script.pathname.endsWith('.ts')) return new Worker(script, { workerData });
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((t) => { t.register(); return import(${JSON.stringify(script.href)}); });`;
  return new Worker(boot, { eval: true, workerData });
}

function revive(e: SerializedError): Error {
  const err = new Error(e.message);
  if (e.name && e.name !== 'Error') err.name = e.name;
  return e.code ? Object.assign(err, { code: e.code }) : err;
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve(v: T): void;
  reject(e: unknown): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => {}); // whoever waits sees the rejection; nobody waiting is not an error
  return { promise, resolve, reject };
}

/** `pending`: the thread may be used, and has not been started yet. */
type Mode = 'zlib' | 'inline' | 'pending' | 'starting' | 'worker' | 'failed' | 'done';

export class LayerSink {
  private mode: Mode;
  private zlib: ZlibFile | null = null;
  private file: GzipFile | null = null;
  private deflater: Deflater | null = null;
  private worker: Worker | null = null;
  /** Batches held until the encoder thread is ready (or until the tree turns out small). */
  private queue: { buf: Uint8Array; length: number }[] = [];
  private queued = 0;
  private readonly free: Uint8Array[] = [];
  private allocated = 0;
  private waiter: Deferred<Uint8Array> | null = null;
  private result: Deferred<void> | null = null;
  private failure: unknown = null;
  private ending = false;
  private usedWorker = false;
  /** The thread has sent the end of the deflate stream. */
  private deflated = false;
  /** Threads being terminated, awaited by close(). */
  private stopping: Promise<unknown>[] = [];

  /** `attach` gives the layer file. */
  constructor(
    private readonly kind: GzipKind,
    private readonly policy: EncoderThread = 'auto',
    /** The encoder thread's script (tests give failing ones). */
    private readonly script: URL | null = encoderScript(),
  ) {
    if (kind === 'zlib') {
      // Node's zlib (tests' fast encoder) is a stream: it stays here.
      this.mode = 'zlib';
    } else if (script !== null && (policy === 'worker' || (policy === 'auto' && cores() > 1))) {
      this.mode = 'pending';
      if (policy === 'worker') this.startWorker();
    } else {
      this.mode = 'inline';
      this.deflater = createDeflater(kind);
    }
  }

  /** The open layer file to write to; call once, before the first `put`. */
  attach(fd: number): void {
    if (this.mode === 'zlib') this.zlib = new ZlibFile(fd);
    else this.file = new GzipFile(fd);
  }

  /** Which thread deflated (or is deflating) the layer. */
  get thread(): 'main' | 'worker' {
    return this.usedWorker ? 'worker' : 'main';
  }

  /** A buffer for the first batch. */
  first(): Uint8Array {
    return this.take() as Uint8Array;
  }

  /** Takes the first `length` bytes of `buf` (and `buf` itself); gives the buffer to fill next. */
  put(buf: Uint8Array, length: number): Uint8Array | Promise<Uint8Array> {
    if (this.mode === 'zlib')
      return (this.zlib as ZlibFile).write(buf.subarray(0, length)).then(() => buf);
    if (this.mode === 'failed' || this.mode === 'done') {
      throw this.failure ?? new Error('layer sink used after it finished');
    }
    (this.file as GzipFile).input(buf.subarray(0, length));
    switch (this.mode) {
      case 'inline':
        this.deflate(buf, length);
        return buf;
      case 'worker':
        this.post(buf, length);
        return this.take();
      default: // pending, starting
        if (this.mode === 'pending' && length === buf.length && this.queued + length >= START_AT) {
          this.startWorker();
        }
        this.queue.push({ buf, length });
        this.queued += length;
        return this.take();
    }
  }

  /** Ends the gzip stream; resolves once all of it is in the file. */
  async finish(): Promise<EncodedLayer> {
    if (this.mode === 'zlib') return (this.zlib as ZlibFile).end();
    if (this.mode === 'failed') throw this.failure;
    if (this.mode === 'pending') this.toInline();
    if (this.mode === 'starting' && this.policy === 'auto' && this.queued <= INLINE_MAX) {
      this.stop(); // a small tree: deflating it here is quicker than waiting for the thread
      this.toInline();
    }
    if (this.mode === 'starting' || this.mode === 'worker') {
      this.ending = true;
      this.result = deferred();
      if (this.mode === 'worker') this.worker?.postMessage({ end: true } satisfies ToEncoder);
      await this.result.promise;
      await this.close();
    }
    if (this.mode === 'inline') {
      // (also when the thread failed to start meanwhile)
      const d = this.deflater as Deflater;
      d.close();
      (this.file as GzipFile).output(d.take());
    }
    this.mode = 'done';
    return (this.file as GzipFile).end();
  }

  /** Stops the encoder thread, if any; safe to call twice. */
  async close(): Promise<void> {
    this.stop();
    const stopping = this.stopping;
    this.stopping = [];
    await Promise.all(stopping);
  }

  private stop(): void {
    const w = this.worker;
    this.worker = null;
    if (w) this.stopping.push(w.terminate().catch(() => {}));
  }

  private deflate(buf: Uint8Array, length: number): void {
    const d = this.deflater as Deflater;
    d.write(buf.subarray(0, length));
    if (d.pendingOutput > 0) (this.file as GzipFile).output(d.take());
  }

  private take(): Uint8Array | Promise<Uint8Array> {
    const b = this.free.pop();
    if (b) return b;
    if (this.allocated < BUFFERS) {
      this.allocated++;
      return new Uint8Array(BATCH);
    }
    this.waiter = deferred();
    return this.waiter.promise;
  }

  private give(buf: Uint8Array): void {
    const w = this.waiter;
    if (w) {
      this.waiter = null;
      w.resolve(buf);
    } else this.free.push(buf);
  }

  private post(buf: Uint8Array, length: number): void {
    const m: ToEncoder = { batch: buf.buffer as ArrayBuffer, length };
    (this.worker as Worker).postMessage(m, [m.batch]);
  }

  private startWorker(): void {
    this.mode = 'starting';
    const init: EncoderInit = { kind: this.kind as EncoderInit['kind'] };
    let w: Worker;
    try {
      w = startThread(this.script as URL, init);
    } catch {
      this.toInline();
      return;
    }
    this.worker = w;
    w.on('message', (m: FromEncoder) => {
      if (w !== this.worker) return;
      try {
        if ('free' in m) {
          if (m.out) (this.file as GzipFile).output(m.out);
          this.give(new Uint8Array(m.free));
        } else if ('done' in m) {
          this.deflated = true;
          (this.file as GzipFile).output(m.done);
          this.result?.resolve();
        } else if ('ready' in m) this.ready();
        else this.fail(revive(m.error));
      } catch (err) {
        this.fail(err); // writing the layer file failed
      }
    });
    w.on('error', (err) => {
      if (w === this.worker && !this.deflated) this.lost(err);
    });
    w.on('exit', (code) => {
      if (w === this.worker && !this.deflated) {
        this.lost(new Error(`the layer encoder thread stopped (exit code ${code})`));
      }
    });
  }

  private ready(): void {
    if (this.mode !== 'starting') return;
    this.mode = 'worker';
    this.usedWorker = true;
    for (const q of this.queue) this.post(q.buf, q.length);
    this.queue = [];
    this.queued = 0;
    if (this.ending) this.worker?.postMessage({ end: true } satisfies ToEncoder);
  }

  /** The thread failed: before it took any batch, this thread takes over; after, the build fails. */
  private lost(err: unknown): void {
    if (this.mode !== 'starting') {
      this.fail(err);
      return;
    }
    this.stop();
    try {
      this.toInline();
      if (this.ending) this.result?.resolve();
    } catch (e) {
      this.fail(e);
    }
  }

  /** Deflates what is queued here, and from now on everything. */
  private toInline(): void {
    this.mode = 'inline';
    this.deflater = createDeflater(this.kind as EncoderInit['kind']);
    const queue = this.queue;
    this.queue = [];
    this.queued = 0;
    for (const q of queue) {
      this.deflate(q.buf, q.length);
      this.give(q.buf);
    }
  }

  private fail(err: unknown): void {
    if (this.mode === 'failed' || this.mode === 'done') return;
    this.mode = 'failed';
    this.failure = err;
    this.waiter?.reject(err);
    this.waiter = null;
    this.result?.reject(err);
    this.stop();
  }
}
