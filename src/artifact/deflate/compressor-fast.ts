// Re-implementation of the default-level path of Go 1.27's compress/flate deflate.go
// (compressor.init for level 6, write, fillBlock, deflateFast, close), Copyright The Go Authors,
// BSD-3-Clause. Input is gathered in 65535-byte windows; each full window (and the last, partial
// one) goes through the level-6 fast encoder, then is written as a dynamic, literal-only or
// stored block by the Go 1.27 block writer. Output is byte-identical to
// flate.NewWriter(w, flate.DefaultCompression) built with Go 1.27, and, like Go's, independent
// of how the input is split across write() calls.

import { FastBitWriter } from './bit-writer-fast.js';
import { FastEncL6 } from './fast-level6.js';
import type { Tokens } from './tokens.js';

const MAX_STORE_BLOCK_SIZE = 65535;

let warmedUp = false;

/**
 * Runs a throwaway encoder once per process over a small input that takes every branch of the
 * level-6 loop (long and repeat matches, matches and literals at a block's end, stored,
 * literal-only and dynamic blocks). Without it V8 optimises the hot loop before it has seen the
 * once-per-block paths and throws the optimised code away when it reaches them, several times
 * per run: measured, the first tens of MB then cost about twice the CPU. Output is unaffected.
 */
function warmUp(): void {
  if (warmedUp) return;
  warmedUp = true;
  const input = new Uint8Array(200_000);
  const words = ['name', 'app', 'spec', 'image', ': ', '\n  ', '-', 'podinfo', 'v1', '"', 'x'];
  let x = 0x2545f491;
  const next = (): number => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
  for (let i = 0; i < input.length; ) {
    const part = Math.floor(i / 5000) % 7;
    if (part === 0)
      input[i++] = next() & 0xff; // random
    else if (part === 1)
      input[i++] = 0; // long runs
    else if (part === 2)
      input[i++] = 97 + ((i * 7) % 13); // short period
    else if (part === 3)
      input[i++] = 97 + (next() & 3); // small alphabet: short matches
    else if (part === 4) {
      input[i] = input[i - 12_000]!; // far copies
      i++;
    } else if (part === 5) {
      // Random with sparse short repeats: matches end before the skipping search position.
      input[i] = i % 700 < 6 ? input[i - 350]! : next() & 0xff;
      i++;
    } else {
      // Text: words and numbers, with repeat offsets.
      const w = words[next() % words.length]!;
      for (let k = 0; k < w.length && i < input.length; k++) input[i++] = w.charCodeAt(k);
      if (next() % 3 === 0 && i < input.length) input[i++] = 48 + (next() % 10);
    }
  }
  for (const end of [20, 100, 1000, input.length]) {
    const c = new GoFastDeflateCompressor(false, false);
    c.write(input.subarray(0, end));
    c.close();
    c.take();
  }
}

/** A raw deflate stream encoder (no gzip framing), Go 1.27 level 6. Drain with `take()`. */
export class GoFastDeflateCompressor {
  private readonly fast: FastEncL6;
  private readonly tokens: Tokens;

  /** `wasm: false` runs the JavaScript search loop instead of the WebAssembly one (for tests). */
  constructor(warm = true, wasm = true) {
    this.fast = new FastEncL6(wasm);
    this.tokens = this.fast.tokens;
    // The wasm loop is compiled ahead and never deoptimised: only the JavaScript one needs it.
    if (warm && !this.fast.usesWasm) warmUp();
  }

  private readonly w = new FastBitWriter();
  private readonly window = new Uint8Array(MAX_STORE_BLOCK_SIZE);
  private windowEnd = 0;
  private sync = false;
  private closed = false;

  write(data: Uint8Array): void {
    if (this.closed) throw new Error('deflate: write after close');
    let off = 0;
    while (off < data.length) {
      if (this.windowEnd === MAX_STORE_BLOCK_SIZE || this.sync) this.deflateFast();
      const n = Math.min(data.length - off, MAX_STORE_BLOCK_SIZE - this.windowEnd);
      this.window.set(data.subarray(off, off + n), this.windowEnd);
      this.windowEnd += n;
      off += n;
    }
  }

  /** Flushes everything and ends the stream with Go 1.27's final (fixed, empty) block. */
  close(): void {
    if (this.closed) return;
    this.sync = true;
    this.deflateFast();
    this.w.writeStoredHeader(0, true);
    this.w.flush();
    this.closed = true;
  }

  take(): Uint8Array {
    return this.w.take();
  }

  get pendingOutput(): number {
    return this.w.pending;
  }

  /** Go: compressor.deflateFast. */
  private deflateFast(): void {
    const end = this.windowEnd;
    const win = this.window.subarray(0, end);
    if (end < MAX_STORE_BLOCK_SIZE) {
      if (!this.sync) return;
      if (end < 128) {
        // Tiny final input.
        if (end === 0) return;
        if (end <= 32) this.w.writeStored(win, false);
        else this.w.writeBlockHuff(false, win, true);
        this.tokens.reset();
        this.windowEnd = 0;
        this.fast.reset();
        return;
      }
    }
    const tokens = this.tokens;
    this.fast.encode(win);
    if (tokens.n === 0) {
      // No match at all: store the window.
      this.w.writeStored(win, false);
    } else if (tokens.n > end - (end >> 4)) {
      // Matches removed less than 1/16 of the bytes: literal-only is better.
      this.w.writeBlockHuff(false, win, this.sync);
    } else {
      this.w.writeBlockDynamic(tokens, false, win, this.sync);
    }
    tokens.reset();
    this.windowEnd = 0;
  }
}
