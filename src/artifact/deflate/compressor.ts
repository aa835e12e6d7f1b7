// Re-implementation of the default-level (6) path of Go's compress/flate deflate.go (Go 1.26),
// Copyright The Go Authors, BSD-3-Clause: the sliding window with its shift and hash-offset
// rebasing, 4-byte hash chains, lazy matching (good 8, lazy 16, nice 128, chain 128), and a block
// every 16384 tokens. Every decision is Go's, so the output is byte-identical to
// flate.NewWriter(w, flate.DefaultCompression) — and, like Go's, independent of how the input
// is split across write() calls.

import { HuffmanBitWriter } from './bit-writer.js';
import { LENGTH_SHIFT, MATCH_TYPE } from './tables.js';

const WINDOW_SIZE = 1 << 15;
const WINDOW_MASK = WINDOW_SIZE - 1;
const MIN_MATCH_LENGTH = 4;
const MAX_MATCH_LENGTH = 258;
const BASE_MATCH_LENGTH = 3;
const BASE_MATCH_OFFSET = 1;
const MAX_FLATE_BLOCK_TOKENS = 1 << 14;
const HASH_BITS = 17;
const HASH_SIZE = 1 << HASH_BITS;
const HASH_MASK = HASH_SIZE - 1;
const MAX_HASH_OFFSET = 1 << 24;
const HASH_MUL = 0x1e35a7bd;
const MAX_INT32 = 0x7fffffff;
// Level 6 parameters (Go: levels[6]).
const GOOD = 8;
const LAZY = 16;
const NICE = 128;
const CHAIN = 128;

/** A raw deflate stream encoder (no gzip framing). Drain output with `take()`. */
export class GoDeflateCompressor {
  private readonly w = new HuffmanBitWriter();
  // Unprocessed input is window[index, windowEnd).
  private readonly window = new Uint8Array(2 * WINDOW_SIZE);
  private index = 0;
  private windowEnd = 0;
  /** Window index where the current block's tokens start; MAX_INT32 once shifted out. */
  private blockStart = 0;
  /** True while window[index - 1] still awaits a decision (lazy matching). */
  private byteAvailable = false;
  private sync = false;
  private closed = false;

  private readonly tokens = new Uint32Array(MAX_FLATE_BLOCK_TOKENS + 1);
  private nTokens = 0;

  private length = MIN_MATCH_LENGTH - 1;
  private offset = 0;
  private maxInsertIndex = 0;
  private chainHead = -1;
  // hashHead[h] = latest position + hashOffset with hash h; hashPrev chains to older ones.
  private readonly hashHead = new Int32Array(HASH_SIZE);
  private readonly hashPrev = new Int32Array(WINDOW_SIZE);
  private hashOffset = 1;

  /** Compresses `data` (may be any size; output is independent of how input is split). */
  write(data: Uint8Array): void {
    if (this.closed) throw new Error('deflate: write after close');
    let off = 0;
    while (off < data.length) {
      this.deflate();
      off += this.fillDeflate(data, off);
    }
  }

  /** Flushes everything and ends the stream with Go's final empty stored block. */
  close(): void {
    if (this.closed) return;
    this.sync = true;
    this.deflate();
    this.w.writeStoredHeader(0, true);
    this.w.flush();
    this.closed = true;
  }

  /** Output produced so far (a fresh buffer), and forget it. */
  take(): Uint8Array {
    return this.w.take();
  }

  get pendingOutput(): number {
    return this.w.pending;
  }

  private fillDeflate(b: Uint8Array, start: number): number {
    if (this.index >= 2 * WINDOW_SIZE - (MIN_MATCH_LENGTH + MAX_MATCH_LENGTH)) {
      // Slide the window down by WINDOW_SIZE.
      this.window.copyWithin(0, WINDOW_SIZE, 2 * WINDOW_SIZE);
      this.index -= WINDOW_SIZE;
      this.windowEnd -= WINDOW_SIZE;
      this.blockStart = this.blockStart >= WINDOW_SIZE ? this.blockStart - WINDOW_SIZE : MAX_INT32;
      this.hashOffset += WINDOW_SIZE;
      if (this.hashOffset > MAX_HASH_OFFSET) {
        // Rebase stored positions so they stay small; entries older than the window become 0.
        const delta = this.hashOffset - 1;
        this.hashOffset -= delta;
        this.chainHead -= delta;
        rebase(this.hashPrev, delta);
        rebase(this.hashHead, delta);
      }
    }
    const n = Math.min(b.length - start, this.window.length - this.windowEnd);
    this.window.set(b.subarray(start, start + n), this.windowEnd);
    this.windowEnd += n;
    return n;
  }

  /** Go: compressor.writeBlock — emits the pending tokens as one block ending at window `index`. */
  private writeBlock(index: number): void {
    if (index > 0) {
      const input = this.blockStart <= index ? this.window.subarray(this.blockStart, index) : null;
      this.blockStart = index;
      this.w.writeBlock(this.tokens, this.nTokens, false, input);
    }
  }

  /** Go: findMatch, with prevLength fixed at 3 as deflate() always calls it. */
  private findMatch(pos: number, prevHead: number, lookahead: number): boolean {
    const win = this.window;
    const hashPrev = this.hashPrev;
    const hashOffset = this.hashOffset;
    const minMatchLook = Math.min(lookahead, MAX_MATCH_LENGTH);
    // Stop at a match this long.
    const nice = Math.min(minMatchLook, NICE);
    let length = MIN_MATCH_LENGTH - 1;
    let tries = length >= GOOD ? CHAIN >> 2 : CHAIN;
    let offset = 0;
    let ok = false;
    let wEnd = win[pos + length]!;
    const minIndex = pos - WINDOW_SIZE;

    for (let i = prevHead; tries > 0; tries--) {
      if (wEnd === win[i + length]) {
        let n = 0;
        while (n < minMatchLook && win[i + n] === win[pos + n]) n++;
        // Length-4 matches only pay off when close.
        if (n > length && (n > MIN_MATCH_LENGTH || pos - i <= 4096)) {
          length = n;
          offset = pos - i;
          ok = true;
          if (n >= nice) break;
          wEnd = win[pos + n]!;
        }
      }
      if (i === minIndex) break; // hashPrev[i & WINDOW_MASK] was overwritten already
      i = hashPrev[i & WINDOW_MASK]! - hashOffset;
      if (i < minIndex || i < 0) break;
    }
    if (ok) {
      this.length = length;
      this.offset = offset;
    }
    return ok;
  }

  private insertHash(index: number): void {
    const win = this.window;
    const h =
      Math.imul(
        win[index + 3]! | (win[index + 2]! << 8) | (win[index + 1]! << 16) | (win[index]! << 24),
        HASH_MUL,
      ) >>>
      (32 - HASH_BITS);
    this.hashPrev[index & WINDOW_MASK] = this.hashHead[h & HASH_MASK]!;
    this.hashHead[h & HASH_MASK] = index + this.hashOffset;
  }

  /** Go: compressor.deflate for levels 4–9 (lazy matching). */
  private deflate(): void {
    if (this.windowEnd - this.index < MIN_MATCH_LENGTH + MAX_MATCH_LENGTH && !this.sync) return;
    this.maxInsertIndex = this.windowEnd - (MIN_MATCH_LENGTH - 1);
    const win = this.window;
    const tokens = this.tokens;

    for (;;) {
      const lookahead = this.windowEnd - this.index;
      if (lookahead < MIN_MATCH_LENGTH + MAX_MATCH_LENGTH) {
        if (!this.sync) break;
        if (lookahead === 0) {
          // Flush the pending literal and the current block.
          if (this.byteAvailable) {
            tokens[this.nTokens++] = win[this.index - 1]!;
            this.byteAvailable = false;
          }
          if (this.nTokens > 0) {
            this.writeBlock(this.index);
            this.nTokens = 0;
          }
          break;
        }
      }
      if (this.index < this.maxInsertIndex) {
        const index = this.index;
        const h =
          Math.imul(
            win[index + 3]! |
              (win[index + 2]! << 8) |
              (win[index + 1]! << 16) |
              (win[index]! << 24),
            HASH_MUL,
          ) >>>
          (32 - HASH_BITS);
        this.chainHead = this.hashHead[h & HASH_MASK]!;
        this.hashPrev[index & WINDOW_MASK] = this.chainHead;
        this.hashHead[h & HASH_MASK] = index + this.hashOffset;
      }
      const prevLength = this.length;
      const prevOffset = this.offset;
      this.length = MIN_MATCH_LENGTH - 1;
      this.offset = 0;
      let minIndex = this.index - WINDOW_SIZE;
      if (minIndex < 0) minIndex = 0;

      if (
        this.chainHead - this.hashOffset >= minIndex &&
        lookahead > prevLength &&
        prevLength < LAZY
      ) {
        this.findMatch(this.index, this.chainHead - this.hashOffset, lookahead);
      }
      if (prevLength >= MIN_MATCH_LENGTH && this.length <= prevLength) {
        // The previous match is at least as good as this one: emit it.
        tokens[this.nTokens++] =
          MATCH_TYPE +
          ((prevLength - BASE_MATCH_LENGTH) << LENGTH_SHIFT) +
          (prevOffset - BASE_MATCH_OFFSET);
        // Hash every position the match covers (index and index-1 are done already).
        const newIndex = this.index + prevLength - 1;
        let index = this.index + 1;
        for (; index < newIndex; index++) {
          if (index < this.maxInsertIndex) this.insertHash(index);
        }
        this.index = index;
        this.byteAvailable = false;
        this.length = MIN_MATCH_LENGTH - 1;
        if (this.nTokens === MAX_FLATE_BLOCK_TOKENS) {
          // The block includes the current character.
          this.writeBlock(this.index);
          this.nTokens = 0;
        }
      } else {
        if (this.byteAvailable) {
          tokens[this.nTokens++] = win[this.index - 1]!;
          if (this.nTokens === MAX_FLATE_BLOCK_TOKENS) {
            this.writeBlock(this.index);
            this.nTokens = 0;
          }
        }
        this.index++;
        this.byteAvailable = true;
      }
    }
  }
}

function rebase(table: Int32Array, delta: number): void {
  for (let i = 0; i < table.length; i++) {
    const v = table[i]!;
    table[i] = v > delta ? v - delta : 0;
  }
}
