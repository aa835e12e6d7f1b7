// Re-implementation of the default-level (6) path of Go's compress/flate deflate.go (Go 1.26),
// Copyright The Go Authors, BSD-3-Clause: the sliding window with its shift and hash-offset
// rebasing, 4-byte hash chains, lazy matching (good 8, lazy 16, nice 128, chain 128), and a block
// every 16384 tokens. Every decision is Go's, so the output is byte-identical to
// flate.NewWriter(w, flate.DefaultCompression) — and, like Go's, independent of how the input
// is split across write() calls.

import { HuffmanBitWriter } from './bit-writer.js';
import { LENGTH_SHIFT as LENGTH_SHIFT_, MATCH_TYPE as MATCH_TYPE_ } from './tables.js';

// Module-local copies: some loaders turn imported bindings into getter calls in hot loops.
const LENGTH_SHIFT = LENGTH_SHIFT_;
const MATCH_TYPE = MATCH_TYPE_;

const WINDOW_SIZE = 1 << 15;
const WINDOW_MASK = WINDOW_SIZE - 1;
const MIN_MATCH_LENGTH = 4;
const MAX_MATCH_LENGTH = 258;
const BASE_MATCH_LENGTH = 3;
const BASE_MATCH_OFFSET = 1;
const MAX_FLATE_BLOCK_TOKENS = 1 << 14;
const HASH_BITS = 17;
const HASH_SIZE = 1 << HASH_BITS;
const HASH_SHIFT = 32 - HASH_BITS;
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
  private readonly view = new DataView(this.window.buffer);
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

  /** Go: compressor.deflate for levels 4–9 (lazy matching). Hot state lives in locals. */
  private deflate(): void {
    if (this.windowEnd - this.index < MIN_MATCH_LENGTH + MAX_MATCH_LENGTH && !this.sync) return;
    const win = this.window;
    const dv = this.view;
    const tokens = this.tokens;
    const hashHead = this.hashHead;
    const hashPrev = this.hashPrev;
    // hashOffset and windowEnd only change in fillDeflate, never during this call.
    const hashOffset = this.hashOffset;
    const windowEnd = this.windowEnd;
    const sync = this.sync;
    const maxInsertIndex = windowEnd - (MIN_MATCH_LENGTH - 1);
    let index = this.index;
    let nTokens = this.nTokens;
    let length = this.length;
    let offset = this.offset;
    let chainHead = this.chainHead;
    let byteAvailable = this.byteAvailable;

    for (;;) {
      const lookahead = windowEnd - index;
      if (lookahead < MIN_MATCH_LENGTH + MAX_MATCH_LENGTH) {
        if (!sync) break;
        if (lookahead === 0) {
          // Flush the pending literal and the current block.
          if (byteAvailable) {
            tokens[nTokens++] = win[index - 1]!;
            byteAvailable = false;
          }
          if (nTokens > 0) {
            this.nTokens = nTokens;
            this.writeBlock(index);
            nTokens = 0;
          }
          break;
        }
      }
      if (index < maxInsertIndex) {
        const h =
          Math.imul(
            win[index + 3]! |
              (win[index + 2]! << 8) |
              (win[index + 1]! << 16) |
              (win[index]! << 24),
            HASH_MUL,
          ) >>> HASH_SHIFT;
        chainHead = hashHead[h]!;
        hashPrev[index & WINDOW_MASK] = chainHead;
        hashHead[h] = index + hashOffset;
      }
      const prevLength = length;
      const prevOffset = offset;
      length = MIN_MATCH_LENGTH - 1;
      offset = 0;
      const minIndex = index > WINDOW_SIZE ? index - WINDOW_SIZE : 0;

      if (chainHead - hashOffset >= minIndex && lookahead > prevLength && prevLength < LAZY) {
        const m = findMatch(
          win,
          dv,
          hashPrev,
          hashOffset,
          index,
          chainHead - hashOffset,
          lookahead,
        );
        if (m !== 0) {
          length = m >>> 16;
          offset = m & 0xffff;
        }
      }
      if (prevLength >= MIN_MATCH_LENGTH && length <= prevLength) {
        // The previous match is at least as good as this one: emit it.
        tokens[nTokens++] =
          MATCH_TYPE +
          ((prevLength - BASE_MATCH_LENGTH) << LENGTH_SHIFT) +
          (prevOffset - BASE_MATCH_OFFSET);
        // Hash every position the match covers (index and index-1 are done already). The
        // rolling 4-byte value gives the same hashes as hashing each position afresh.
        const newIndex = index + prevLength - 1;
        const end = Math.min(newIndex, maxInsertIndex);
        let i = index + 1;
        if (i < end) {
          let hb = (win[i]! << 16) | (win[i + 1]! << 8) | win[i + 2]!;
          for (; i < end; i++) {
            hb = (hb << 8) | win[i + 3]!;
            const h = Math.imul(hb, HASH_MUL) >>> HASH_SHIFT;
            hashPrev[i & WINDOW_MASK] = hashHead[h]!;
            hashHead[h] = i + hashOffset;
          }
        }
        index = Math.max(newIndex, index + 1);
        byteAvailable = false;
        length = MIN_MATCH_LENGTH - 1;
        if (nTokens === MAX_FLATE_BLOCK_TOKENS) {
          // The block includes the current character.
          this.nTokens = nTokens;
          this.writeBlock(index);
          nTokens = 0;
        }
      } else {
        if (byteAvailable) {
          tokens[nTokens++] = win[index - 1]!;
          if (nTokens === MAX_FLATE_BLOCK_TOKENS) {
            this.nTokens = nTokens;
            this.writeBlock(index);
            nTokens = 0;
          }
        }
        index++;
        byteAvailable = true;
      }
    }
    this.index = index;
    this.nTokens = nTokens;
    this.length = length;
    this.offset = offset;
    this.chainHead = chainHead;
    this.byteAvailable = byteAvailable;
  }
}

/**
 * Go: findMatch, with prevLength fixed at 3 as deflate() always calls it. Returns
 * (length << 16 | distance) of the best match found, or 0 when none qualifies.
 */
function findMatch(
  win: Uint8Array,
  dv: DataView,
  hashPrev: Int32Array,
  hashOffset: number,
  pos: number,
  prevHead: number,
  lookahead: number,
): number {
  const minMatchLook = Math.min(lookahead, MAX_MATCH_LENGTH);
  // Stop at a match this long.
  const nice = Math.min(minMatchLook, NICE);
  let length = MIN_MATCH_LENGTH - 1;
  // Go: "only look in 1/4 the chain" once length >= good; never true for the initial length 3.
  let tries = length >= GOOD ? CHAIN >> 2 : CHAIN;
  let result = 0;
  let wEnd = win[pos + length]!;
  const minIndex = pos - WINDOW_SIZE;

  for (let i = prevHead; tries > 0; tries--) {
    if (wEnd === win[i + length]) {
      // Go's matchLen, 4 bytes at a time: big-endian loads put the first differing byte in
      // the most significant bits of the XOR.
      let n = 0;
      for (;;) {
        if (n + 4 <= minMatchLook) {
          const x = dv.getInt32(i + n) ^ dv.getInt32(pos + n);
          if (x === 0) {
            n += 4;
            continue;
          }
          n += Math.clz32(x) >>> 3;
          break;
        }
        while (n < minMatchLook && win[i + n] === win[pos + n]) n++;
        break;
      }
      // Length-4 matches only pay off when close.
      if (n > length && (n > MIN_MATCH_LENGTH || pos - i <= 4096)) {
        length = n;
        result = (n << 16) | (pos - i);
        if (n >= nice) break;
        wEnd = win[pos + n]!;
      }
    }
    if (i === minIndex) break; // hashPrev[i & WINDOW_MASK] was overwritten already
    i = hashPrev[i & WINDOW_MASK]! - hashOffset;
    if (i < minIndex || i < 0) break;
  }
  return result;
}

function rebase(table: Int32Array, delta: number): void {
  for (let i = 0; i < table.length; i++) {
    const v = table[i]!;
    table[i] = v > delta ? v - delta : 0;
  }
}
