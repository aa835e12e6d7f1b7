// Re-implementation of the default-level path of Go 1.27's compress/flate deflate.go
// (compressor.init for level 6, write, fillBlock, deflateFast, close), Copyright The Go Authors,
// BSD-3-Clause. Input is gathered in 65535-byte windows; each full window (and the last, partial
// one) goes through the level-6 fast encoder, then is written as a dynamic, literal-only or
// stored block by the Go 1.27 block writer. Output is byte-identical to
// flate.NewWriter(w, flate.DefaultCompression) built with Go 1.27, and, like Go's, independent
// of how the input is split across write() calls.

import { FastBitWriter } from './bit-writer-fast.js';
import { FastEncL6 } from './fast-level6.js';
import { Tokens } from './tokens.js';

const MAX_STORE_BLOCK_SIZE = 65535;

/** A raw deflate stream encoder (no gzip framing), Go 1.27 level 6. Drain with `take()`. */
export class GoFastDeflateCompressor {
  private readonly w = new FastBitWriter();
  private readonly window = new Uint8Array(MAX_STORE_BLOCK_SIZE);
  private windowEnd = 0;
  private readonly tokens = new Tokens();
  private readonly fast = new FastEncL6();
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
    this.fast.encode(tokens, win);
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
