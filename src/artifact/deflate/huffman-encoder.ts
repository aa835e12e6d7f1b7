// Re-implementation of Go's compress/flate huffman_code.go (Go 1.26; Go 1.27's builds the same
// codes), Copyright The Go Authors, BSD-3-Clause. Code lengths must match Go's exactly, including its tie-breaking, because they
// are part of the output bytes: leaves are ordered by (frequency, symbol), lengths come from Go's
// length-limited "bitCounts" construction, and codes are assigned in symbol order per length.

import { MAX_NUM_LIT, reverseBits } from './tables.js';

const MAX_INT32 = 0x7fffffff;
/** Go's maxBitsLimit: rows in the per-level tables. */
const LEVELS = 16;
/** Pair steps per bitCounts call are fewer than (2n - 2) items per level. */
const MAX_NODES = 1 + LEVELS * 2 * (MAX_NUM_LIT + 1);

/** Canonical Huffman code for one alphabet; `codes` are already bit-reversed for LSB-first output. */
export class HuffmanEncoder {
  readonly codes: Uint16Array;
  readonly lens: Uint8Array;
  // Scratch, reused across calls (Go keeps these in the encoder too).
  private readonly keys = new Float64Array(MAX_NUM_LIT + 1);
  private readonly listLit = new Uint16Array(MAX_NUM_LIT + 1);
  private readonly listFreq = new Int32Array(MAX_NUM_LIT + 1);
  private readonly bitCount = new Int32Array(17);
  // Per-level state of bitCounts (Go's levelInfo), and leafCounts[level][j].
  private readonly lastFreq = new Int32Array(LEVELS + 1);
  private readonly nextCharFreq = new Int32Array(LEVELS + 1);
  private readonly nextPairFreq = new Int32Array(LEVELS + 1);
  private readonly needed = new Int32Array(LEVELS + 1);
  // leafCounts as own counts plus immutable tail lists (see bitCounts).
  private readonly own = new Int32Array(LEVELS + 1);
  private readonly tail = new Int32Array(LEVELS + 1);
  private readonly nodeCount = new Int32Array(MAX_NODES);
  private readonly nodeNext = new Int32Array(MAX_NODES);

  constructor(size: number) {
    this.codes = new Uint16Array(size);
    this.lens = new Uint8Array(size);
  }

  /** Total bits to send `freq` with this code (Go: bitLength). */
  bitLength(freq: Int32Array): number {
    const lens = this.lens;
    let total = 0;
    for (let i = 0; i < freq.length; i++) {
      const f = freq[i]!;
      if (f !== 0) total += f * lens[i]!;
    }
    return total;
  }

  /** Bits to send `freq` with this code, or 2^31 - 1 when a used symbol has no code (Go 1.27:
   * canEncodeLen). */
  canEncodeLen(freq: Int32Array): number {
    const lens = this.lens;
    let total = 0;
    for (let i = 0; i < freq.length; i++) {
      const f = freq[i]!;
      if (f !== 0) {
        const l = lens[i]!;
        if (l === 0) return MAX_INT32;
        total += f * l;
      }
    }
    return total;
  }

  /** Builds the code for `freq` (one entry per symbol) with at most `maxBits` bits (Go: generate). */
  generate(freq: Int32Array, maxBits: number): void {
    const lens = this.lens;
    const keys = this.keys;
    let count = 0;
    for (let i = 0; i < freq.length; i++) {
      const f = freq[i]!;
      if (f !== 0) {
        // Sort key = (freq, symbol): Go's byFreq order, a total order, so any sort agrees.
        keys[count++] = f * 512 + i;
      } else {
        lens[i] = 0;
      }
    }
    if (count <= 2) {
      // One or two symbols: each gets a 1-bit code, in symbol order.
      for (let i = 0; i < count; i++) {
        const lit = keys[i]! % 512;
        this.codes[lit] = i;
        lens[lit] = 1;
      }
      return;
    }
    keys.subarray(0, count).sort();
    const listLit = this.listLit;
    const listFreq = this.listFreq;
    for (let i = 0; i < count; i++) {
      const k = keys[i]!;
      listLit[i] = k % 512;
      listFreq[i] = Math.floor(k / 512);
    }
    const top = this.bitCounts(count, maxBits);
    this.assignEncodingAndSize(top, count);
  }

  /**
   * Number of symbols per code length (Go: bitCounts), for `n` >= 3 leaves sorted by frequency
   * in listFreq. Returns the largest length used; counts are in this.bitCount[1..max].
   *
   * Go keeps leafCounts[level][0..level] per level and copies the row below into it (O(level))
   * whenever a level takes a pair. We keep the same numbers as an immutable linked list instead:
   * own[level] is leafCounts[level][level], and tail[level] points at a snapshot of the row below
   * (its own count, then its tail), so taking a pair is O(1). The results are identical.
   */
  private bitCounts(n: number, maxBitsIn: number): number {
    const listFreq = this.listFreq;
    const lastFreq = this.lastFreq;
    const nextCharFreq = this.nextCharFreq;
    const nextPairFreq = this.nextPairFreq;
    const needed = this.needed;
    const own = this.own;
    const tail = this.tail;
    const nodeCount = this.nodeCount;
    const nodeNext = this.nodeNext;
    let nodes = 1; // node 0 = the empty list (all counts zero)
    listFreq[n] = MAX_INT32; // sentinel leaf
    // The tree can't be deeper than n - 1.
    const maxBits = Math.min(maxBitsIn, n - 1);

    lastFreq.fill(0);
    nextCharFreq.fill(0);
    nextPairFreq.fill(0);
    needed.fill(0);
    own.fill(0);
    tail.fill(0);
    for (let level = 1; level <= maxBits; level++) {
      // Every level starts as if its first two items were the two rarest leaves.
      lastFreq[level] = listFreq[1]!;
      nextCharFreq[level] = listFreq[2]!;
      nextPairFreq[level] = level === 1 ? MAX_INT32 : listFreq[0]! + listFreq[1]!;
      own[level] = 2;
    }
    // 2n - 2 items are needed at the top level and two exist already.
    needed[maxBits] = 2 * n - 4;

    let level = maxBits;
    for (;;) {
      if (nextPairFreq[level] === MAX_INT32 && nextCharFreq[level] === MAX_INT32) {
        // Out of both leaves and pairs: never come back to this level.
        needed[level] = 0;
        nextPairFreq[level + 1] = MAX_INT32;
        level++;
        continue;
      }
      const prevFreq = lastFreq[level]!;
      if (nextCharFreq[level]! < nextPairFreq[level]!) {
        // Next item on this row is a leaf.
        const c = own[level]! + 1;
        lastFreq[level] = nextCharFreq[level]!;
        own[level] = c;
        nextCharFreq[level] = listFreq[c]!;
      } else {
        // Next item is a pair from the row below: snapshot that row's counts as our tail.
        lastFreq[level] = nextPairFreq[level]!;
        nodeCount[nodes] = own[level - 1]!;
        nodeNext[nodes] = tail[level - 1]!;
        tail[level] = nodes++;
        needed[level - 1] = 2;
      }
      needed[level] = needed[level]! - 1;
      if (needed[level] === 0) {
        if (level === maxBits) break;
        // Int32Array store keeps Go's int32 wrap-around semantics.
        nextPairFreq[level + 1] = prevFreq + lastFreq[level]!;
        level++;
      } else {
        // We stole from below: go down to replenish it.
        while (needed[level - 1]! > 0) level--;
      }
    }
    if (own[maxBits] !== n) {
      throw new Error('deflate: internal error in Huffman bit counts');
    }
    // counts[lv] = leafCounts[maxBits][lv], read off the list from the top level down.
    const bitCount = this.bitCount;
    let upper = own[maxBits]!;
    let node = tail[maxBits]!;
    let bits = 1;
    for (let lv = maxBits; lv > 0; lv--) {
      const lower = nodeCount[node]!; // leafCounts[maxBits][lv - 1]; node 0 reads as 0
      bitCount[bits++] = upper - lower;
      upper = lower;
      node = nodeNext[node]!;
    }
    bitCount[0] = 0;
    return maxBits;
  }

  /** Gives the most frequent symbols the shortest codes, assigned in symbol order per length. */
  private assignEncodingAndSize(maxBits: number, count: number): void {
    const bitCount = this.bitCount;
    const listLit = this.listLit;
    let code = 0;
    let end = count;
    for (let n = 0; n <= maxBits; n++) {
      code = (code << 1) & 0xffff;
      const bits = bitCount[n]!;
      if (n === 0 || bits === 0) continue;
      const chunk = listLit.subarray(end - bits, end);
      chunk.sort();
      for (let i = 0; i < chunk.length; i++) {
        const lit = chunk[i]!;
        this.codes[lit] = reverseBits(code, n);
        this.lens[lit] = n;
        code++;
      }
      end -= bits;
    }
  }
}

/** Go's fixedLiteralEncoding (RFC 1951 §3.2.6). */
export function fixedLiteralEncoding(): HuffmanEncoder {
  const h = new HuffmanEncoder(MAX_NUM_LIT);
  for (let ch = 0; ch < MAX_NUM_LIT; ch++) {
    let bits: number;
    let size: number;
    if (ch < 144) {
      bits = ch + 48;
      size = 8;
    } else if (ch < 256) {
      bits = ch + 400 - 144;
      size = 9;
    } else if (ch < 280) {
      bits = ch - 256;
      size = 7;
    } else {
      bits = ch + 192 - 280;
      size = 8;
    }
    h.codes[ch] = reverseBits(bits, size);
    h.lens[ch] = size;
  }
  return h;
}

/** Go's fixedOffsetEncoding: 30 five-bit codes. */
export function fixedOffsetEncoding(): HuffmanEncoder {
  const h = new HuffmanEncoder(30);
  for (let ch = 0; ch < 30; ch++) {
    h.codes[ch] = reverseBits(ch, 5);
    h.lens[ch] = 5;
  }
  return h;
}
