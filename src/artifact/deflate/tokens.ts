// Re-implementation of the token store of Go 1.27's compress/flate token.go, Copyright The Go
// Authors, BSD-3-Clause: tokens with their histograms kept as they are added, and the estimate
// (EstimatedBits, with its float32 fast log2) that decides whether a new Huffman table pays off.
// Tokens use the packing of tables.ts (the distance code is looked up when writing, not stored).

import * as T from './tables.js';

const LENGTH_CODES = T.LENGTH_CODES;
const LENGTH_EXTRA_BITS = T.LENGTH_EXTRA_BITS;
const LENGTH_SHIFT = T.LENGTH_SHIFT;
const MATCH_TYPE = T.MATCH_TYPE;
const OFFSET_CODES = T.OFFSET_CODES;
const OFFSET_EXTRA_BITS = T.OFFSET_EXTRA_BITS;

/** Go's literalCount - 256 + 3 spare: histogram slots for the EOB and length codes. */
const EXTRA = 32;

/**
 * Writes a token store's first `n` tokens as Huffman bits (natively: the level-6 wasm module),
 * given the block's codes packed as (len << 16 | code) and the pending bits (nbits < 16). Returns
 * a view of the completed bytes, valid until the next call; the bits left over are in `bits`,
 * `nbits`.
 */
export interface TokenBitWriter {
  bits: number;
  nbits: number;
  write(
    n: number,
    litPacked: Int32Array,
    offPacked: Int32Array,
    bits: number,
    nbits: number,
  ): Uint8Array;
}

/** One block's tokens (at most a 64 KiB window's worth) and their histograms. */
export class Tokens {
  n = 0;
  /** Set when the tokens live in the wasm module, which can also write them. */
  bitWriter: TokenBitWriter | null = null;
  /**
   * The arrays may be given (views of the level-6 WebAssembly module's memory, which writes the
   * tokens and histograms itself); sizes as below.
   */
  constructor(
    readonly tokens = new Uint32Array(65536 + 1),
    /** Literal/length histogram: [0, 256) literals (Go: litHist), 256 + k = Go's extraHist[k]. */
    readonly hist = new Int32Array(256 + EXTRA),
    /** Distance code histogram (Go: offHist). */
    readonly offHist = new Int32Array(32),
  ) {}

  /** Go: Reset; like Go's, a no-op when no token was added. */
  reset(): void {
    if (this.n === 0) return;
    this.n = 0;
    this.hist.fill(0);
    this.offHist.fill(0);
  }

  addLiteral(lit: number): void {
    this.tokens[this.n++] = lit;
    this.hist[lit]!++;
  }

  addEOB(): void {
    this.tokens[this.n++] = T.END_BLOCK_MARKER;
    this.hist[256]!++;
  }

  /**
   * Go: AddMatchLong. `length` is the full length (may exceed 258: split like Go does), `xoffset`
   * the distance minus 1.
   */
  addMatchLong(length: number, xoffset: number): void {
    const oc = OFFSET_CODES[xoffset]!;
    const tokens = this.tokens;
    const hist = this.hist;
    let n = this.n;
    let left = length;
    while (left > 0) {
      let xl = left;
      if (xl > 258) xl = xl > 258 + 3 ? 258 : 258 - 3;
      left -= xl;
      xl -= 3;
      hist[257 + LENGTH_CODES[xl]!]!++;
      this.offHist[oc]!++;
      tokens[n++] = MATCH_TYPE + (xl << LENGTH_SHIFT) + xoffset;
    }
    this.n = n;
  }

  /** Go: EstimatedBits, in float32 arithmetic like Go's (amd64: no fused multiply-add). */
  estimatedBits(): number {
    const hist = this.hist;
    let shannon = 0;
    let bits = 0;
    let nMatches = 0;
    const total = this.n;
    if (total > 0) {
      const invTotal = f32(1 / total);
      for (let i = 0; i < 256; i++) {
        const v = hist[i]!;
        if (v > 0) shannon = f32(shannon + symbolBits(v, invTotal));
      }
      shannon = f32(shannon + 15); // EOB
      for (let i = 0; i < 286 - 257; i++) {
        const v = hist[257 + i]!;
        if (v > 0) {
          shannon = f32(shannon + symbolBits(v, invTotal));
          bits += LENGTH_EXTRA_BITS[i]! * v;
          nMatches += v;
        }
      }
    }
    if (nMatches > 0) {
      const invTotal = f32(1 / nMatches);
      for (let i = 0; i < 30; i++) {
        const v = this.offHist[i]!;
        if (v > 0) {
          shannon = f32(shannon + symbolBits(v, invTotal));
          bits += OFFSET_EXTRA_BITS[i]! * v;
        }
      }
    }
    return Math.trunc(shannon) + bits;
  }
}

const f32 = Math.fround;
const C1 = f32(-0.34484843);
const C2 = f32(2.02466578);
const C3 = f32(0.67487759);
const F32 = new Float32Array(1);
const I32 = new Int32Array(F32.buffer);

/** min(15, max(1, -log2(v * invTotal))) * v, each step rounded to float32. */
function symbolBits(v: number, invTotal: number): number {
  const bitsPer = Math.min(15, Math.max(1, -fastLog2(f32(v * invTotal))));
  return f32(bitsPer * v);
}

/** Go: mFastLog2, a polynomial approximation of log2 on the float32 bit pattern. */
function fastLog2(val: number): number {
  F32[0] = val;
  let ux = I32[0]!;
  const log2 = ((ux >> 23) & 255) - 128;
  ux &= -0x7f800001;
  ux = (ux + (127 << 23)) | 0;
  I32[0] = ux;
  const uval = F32[0]!;
  return f32(log2 + f32(f32(f32(f32(C1 * uval) + C2) * uval) - C3));
}
