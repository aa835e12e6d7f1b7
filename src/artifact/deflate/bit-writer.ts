// Re-implementation of Go's compress/flate huffman_bit_writer.go (Go 1.26 and Go 1.27),
// Copyright The Go Authors, BSD-3-Clause. BitWriterBase holds what both versions share: the bit
// output, the dynamic header (codegen run-length encoding) and token output. HuffmanBitWriter is
// Go 1.26's choice between fixed, dynamic and stored blocks; Go 1.27's is in bit-writer-fast.ts.
// Go buffers bits in a 64-bit word; we use a 32-bit one, which yields the same byte stream.

import { fixedLiteralEncoding, fixedOffsetEncoding, HuffmanEncoder } from './huffman-encoder.js';
import * as T from './tables.js';
import type { Tokens } from './tokens.js';

// Module-local copies: some loaders turn imported bindings into getter calls in hot loops.
const BAD_CODE = T.BAD_CODE;
const CODEGEN_CODE_COUNT = T.CODEGEN_CODE_COUNT;
const CODEGEN_ORDER = T.CODEGEN_ORDER;
const END_BLOCK_MARKER = T.END_BLOCK_MARKER;
const LENGTH_BASE = T.LENGTH_BASE;
const LENGTH_CODES = T.LENGTH_CODES;
const LENGTH_CODES_START = T.LENGTH_CODES_START;
const LENGTH_EXTRA_BITS = T.LENGTH_EXTRA_BITS;
const LENGTH_SHIFT = T.LENGTH_SHIFT;
const MATCH_TYPE = T.MATCH_TYPE;
const MAX_NUM_LIT = T.MAX_NUM_LIT;
const OFFSET_BASE = T.OFFSET_BASE;
const OFFSET_CODE_COUNT = T.OFFSET_CODE_COUNT;
const OFFSET_CODES = T.OFFSET_CODES;
const OFFSET_EXTRA_BITS = T.OFFSET_EXTRA_BITS;
const OFFSET_MASK = T.OFFSET_MASK;

const MAX_STORE_BLOCK_SIZE = 65535;
const FIXED_LIT = fixedLiteralEncoding();
const FIXED_OFF = fixedOffsetEncoding();

/** Bit output into a growable byte buffer that the owner drains with `take()`, and the block
 * parts both Go versions write the same way. */
export class BitWriterBase {
  protected out = new Uint8Array(1 << 17);
  protected pos = 0;
  // Pending bits, LSB first; invariant between calls: nbits < 16.
  protected bits = 0;
  protected nbits = 0;

  protected readonly literalFreq = new Int32Array(MAX_NUM_LIT);
  protected readonly offsetFreq = new Int32Array(OFFSET_CODE_COUNT);
  protected readonly codegenFreq = new Int32Array(CODEGEN_CODE_COUNT);
  protected readonly codegen = new Uint8Array(MAX_NUM_LIT + OFFSET_CODE_COUNT + 1);
  protected literalEncoding = new HuffmanEncoder(MAX_NUM_LIT);
  protected readonly offsetEncoding = new HuffmanEncoder(OFFSET_CODE_COUNT);
  protected readonly codegenEncoding = new HuffmanEncoder(CODEGEN_CODE_COUNT);
  // Packed (len << 16 | code) tables for the token loop: one load per symbol.
  private readonly litPacked = new Int32Array(MAX_NUM_LIT);
  private readonly offPacked = new Int32Array(OFFSET_CODE_COUNT);

  /** Bytes completed so far, handed over and forgotten (a fresh copy the caller may keep). */
  take(): Uint8Array {
    const chunk = this.out.slice(0, this.pos);
    this.pos = 0;
    return chunk;
  }

  /** Number of completed bytes waiting in the buffer. */
  get pending(): number {
    return this.pos;
  }

  protected ensure(extra: number): void {
    const need = this.pos + extra;
    if (need <= this.out.length) return;
    let size = this.out.length * 2;
    while (size < need) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.out.subarray(0, this.pos));
    this.out = grown;
  }

  /** Appends the low `nb` (<= 16) bits of `b`. */
  protected writeBits(b: number, nb: number): void {
    let bits = this.bits | (b << this.nbits);
    let nbits = this.nbits + nb;
    if (nbits >= 16) {
      const out = this.out;
      out[this.pos++] = bits;
      out[this.pos++] = bits >>> 8;
      bits >>>= 16;
      nbits -= 16;
    }
    this.bits = bits;
    this.nbits = nbits;
  }

  /** Pads the pending bits with zeros to a byte boundary and emits them (Go: flush). */
  flush(): void {
    this.ensure(4);
    while (this.nbits > 0) {
      this.out[this.pos++] = this.bits;
      this.bits >>>= 8;
      this.nbits = this.nbits > 8 ? this.nbits - 8 : 0;
    }
    this.bits = 0;
  }

  writeStoredHeader(length: number, eof: boolean): void {
    this.ensure(16);
    this.writeBits(eof ? 1 : 0, 3);
    this.flush();
    this.writeBits(length, 16);
    this.writeBits(~length & 0xffff, 16);
  }

  protected writeBytes(bytes: Uint8Array): void {
    // Called right after a stored header, so we are byte aligned.
    this.ensure(bytes.length + 4);
    while (this.nbits > 0) {
      this.out[this.pos++] = this.bits;
      this.bits >>>= 8;
      this.nbits -= 8;
    }
    this.out.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  /**
   * Go: generateCodegen. Run-length encodes the concatenated code lengths (RFC 1951 §3.2.7) into
   * `codegen` (terminated by BAD_CODE) and counts codegen symbol frequencies.
   */
  protected generateCodegen(
    numLiterals: number,
    numOffsets: number,
    litEnc: HuffmanEncoder,
    offEnc: HuffmanEncoder,
  ): void {
    const freq = this.codegenFreq;
    freq.fill(0);
    // codegen first holds the lengths, then is overwritten in place by the (shorter) output.
    const codegen = this.codegen;
    codegen.set(litEnc.lens.subarray(0, numLiterals), 0);
    codegen.set(offEnc.lens.subarray(0, numOffsets), numLiterals);
    codegen[numLiterals + numOffsets] = BAD_CODE;

    let size = codegen[0]!;
    let count = 1;
    let outIndex = 0;
    for (let inIndex = 1; size !== BAD_CODE; inIndex++) {
      // `count` copies of `size` are pending output.
      const nextSize = codegen[inIndex]!;
      if (nextSize === size) {
        count++;
        continue;
      }
      if (size !== 0) {
        codegen[outIndex++] = size;
        freq[size]!++;
        count--;
        while (count >= 3) {
          const n = Math.min(count, 6);
          codegen[outIndex++] = 16;
          codegen[outIndex++] = n - 3;
          freq[16]!++;
          count -= n;
        }
      } else {
        while (count >= 11) {
          const n = Math.min(count, 138);
          codegen[outIndex++] = 18;
          codegen[outIndex++] = n - 11;
          freq[18]!++;
          count -= n;
        }
        if (count >= 3) {
          codegen[outIndex++] = 17;
          codegen[outIndex++] = count - 3;
          freq[17]!++;
          count = 0;
        }
      }
      count--;
      for (; count >= 0; count--) {
        codegen[outIndex++] = size;
        freq[size]!++;
      }
      size = nextSize;
      count = 1;
    }
    codegen[outIndex] = BAD_CODE;
  }

  protected writeDynamicHeader(
    numLiterals: number,
    numOffsets: number,
    numCodegens: number,
    eof: boolean,
  ): void {
    this.writeBits(eof ? 5 : 4, 3);
    this.writeBits(numLiterals - 257, 5);
    this.writeBits(numOffsets - 1, 5);
    this.writeBits(numCodegens - 4, 4);
    const cgLens = this.codegenEncoding.lens;
    const cgCodes = this.codegenEncoding.codes;
    for (let i = 0; i < numCodegens; i++) {
      this.writeBits(cgLens[CODEGEN_ORDER[i]!]!, 3);
    }
    const codegen = this.codegen;
    for (let i = 0; ; ) {
      const codeWord = codegen[i++]!;
      if (codeWord === BAD_CODE) break;
      this.writeBits(cgCodes[codeWord]!, cgLens[codeWord]!);
      if (codeWord === 16) this.writeBits(codegen[i++]!, 2);
      else if (codeWord === 17) this.writeBits(codegen[i++]!, 3);
      else if (codeWord === 18) this.writeBits(codegen[i++]!, 7);
    }
  }

  /** Go: writeTokens for a token store, natively when the store can write itself. */
  protected writeTokensOf(t: Tokens, litEnc: HuffmanEncoder, offEnc: HuffmanEncoder): void {
    const w = t.bitWriter;
    if (!w) {
      this.writeTokens(t.tokens, t.n, litEnc, offEnc);
      return;
    }
    const lp = this.litPacked;
    const op = this.offPacked;
    for (let i = 0; i < MAX_NUM_LIT; i++) lp[i] = (litEnc.lens[i]! << 16) | litEnc.codes[i]!;
    for (let i = 0; i < OFFSET_CODE_COUNT; i++) op[i] = (offEnc.lens[i]! << 16) | offEnc.codes[i]!;
    const bytes = w.write(t.n, lp, op, this.bits, this.nbits);
    this.ensure(bytes.length);
    this.out.set(bytes, this.pos);
    this.pos += bytes.length;
    this.bits = w.bits;
    this.nbits = w.nbits;
  }

  /** Go: writeTokens, with the bit buffer kept in locals for speed. */
  protected writeTokens(
    tokens: Uint32Array,
    n: number,
    litEnc: HuffmanEncoder,
    offEnc: HuffmanEncoder,
  ): void {
    const lp = this.litPacked;
    const op = this.offPacked;
    for (let i = 0; i < MAX_NUM_LIT; i++) lp[i] = (litEnc.lens[i]! << 16) | litEnc.codes[i]!;
    for (let i = 0; i < OFFSET_CODE_COUNT; i++) op[i] = (offEnc.lens[i]! << 16) | offEnc.codes[i]!;
    const out = this.out;
    let pos = this.pos;
    let bits = this.bits;
    let nbits = this.nbits;
    for (let i = 0; i < n; i++) {
      const t = tokens[i]!;
      if (t < MATCH_TYPE) {
        const c = lp[t]!;
        bits |= (c & 0xffff) << nbits;
        nbits += c >>> 16;
        if (nbits >= 16) {
          out[pos++] = bits;
          out[pos++] = bits >>> 8;
          bits >>>= 16;
          nbits -= 16;
        }
        continue;
      }
      const xlength = (t - MATCH_TYPE) >>> LENGTH_SHIFT;
      const lc = LENGTH_CODES[xlength]!;
      let c = lp[lc + LENGTH_CODES_START]!;
      bits |= (c & 0xffff) << nbits;
      nbits += c >>> 16;
      if (nbits >= 16) {
        out[pos++] = bits;
        out[pos++] = bits >>> 8;
        bits >>>= 16;
        nbits -= 16;
      }
      const lx = LENGTH_EXTRA_BITS[lc]!;
      if (lx > 0) {
        bits |= (xlength - LENGTH_BASE[lc]!) << nbits;
        nbits += lx;
        if (nbits >= 16) {
          out[pos++] = bits;
          out[pos++] = bits >>> 8;
          bits >>>= 16;
          nbits -= 16;
        }
      }
      const xoffset = t & OFFSET_MASK;
      const oc = OFFSET_CODES[xoffset]!;
      c = op[oc]!;
      bits |= (c & 0xffff) << nbits;
      nbits += c >>> 16;
      if (nbits >= 16) {
        out[pos++] = bits;
        out[pos++] = bits >>> 8;
        bits >>>= 16;
        nbits -= 16;
      }
      const ox = OFFSET_EXTRA_BITS[oc]!;
      if (ox > 0) {
        bits |= (xoffset - OFFSET_BASE[oc]!) << nbits;
        nbits += ox;
        if (nbits >= 16) {
          out[pos++] = bits;
          out[pos++] = bits >>> 8;
          bits >>>= 16;
          nbits -= 16;
        }
      }
    }
    this.pos = pos;
    this.bits = bits;
    this.nbits = nbits;
  }
}

/** Go 1.26's block writer: each block is the smallest of fixed, dynamic or stored. */
export class HuffmanBitWriter extends BitWriterBase {
  /**
   * Go: writeBlock. Writes `tokens[0..n)` as the smallest of fixed, dynamic or stored (when
   * `input`, the block's source bytes, is known and fits). `tokens` must have room for one more.
   */
  writeBlock(tokens: Uint32Array, n: number, eof: boolean, input: Uint8Array | null): void {
    tokens[n] = END_BLOCK_MARKER;
    const nTokens = n + 1;
    const { numLiterals, numOffsets } = this.indexTokens(tokens, nTokens);
    const literalFreq = this.literalFreq;
    const offsetFreq = this.offsetFreq;

    const storable = input !== null && input.length <= MAX_STORE_BLOCK_SIZE;
    const storedSize = storable ? (input.length + 5) * 8 : 0;
    let extraBits = 0;
    if (storable) {
      // Extra bits cost the same in fixed and dynamic blocks; only needed to compare to stored.
      for (let lc = LENGTH_CODES_START + 8; lc < numLiterals; lc++) {
        extraBits += literalFreq[lc]! * LENGTH_EXTRA_BITS[lc - LENGTH_CODES_START]!;
      }
      for (let oc = 4; oc < numOffsets; oc++) {
        extraBits += offsetFreq[oc]! * OFFSET_EXTRA_BITS[oc]!;
      }
    }

    let lit = FIXED_LIT;
    let off = FIXED_OFF;
    let size = 3 + FIXED_LIT.bitLength(literalFreq) + FIXED_OFF.bitLength(offsetFreq) + extraBits;

    this.generateCodegen(numLiterals, numOffsets, this.literalEncoding, this.offsetEncoding);
    this.codegenEncoding.generate(this.codegenFreq, 7);
    const dyn = this.dynamicSize(this.literalEncoding, this.offsetEncoding, extraBits);
    if (dyn.size < size) {
      size = dyn.size;
      lit = this.literalEncoding;
      off = this.offsetEncoding;
    }

    if (storable && storedSize < size) {
      this.writeStoredHeader(input.length, eof);
      this.writeBytes(input);
      return;
    }
    // Worst case per token: 15 + 5 + 15 + 13 bits; plus a header of at most ~1 KiB.
    this.ensure(nTokens * 6 + 1024);
    if (lit === FIXED_LIT) {
      this.writeBits(eof ? 3 : 2, 3);
    } else {
      this.writeDynamicHeader(numLiterals, numOffsets, dyn.numCodegens, eof);
    }
    this.writeTokens(tokens, nTokens, lit, off);
  }

  /** Go: indexTokens. Counts symbol frequencies and builds the dynamic codes. */
  private indexTokens(tokens: Uint32Array, n: number): { numLiterals: number; numOffsets: number } {
    const literalFreq = this.literalFreq;
    const offsetFreq = this.offsetFreq;
    literalFreq.fill(0);
    offsetFreq.fill(0);
    for (let i = 0; i < n; i++) {
      const t = tokens[i]!;
      if (t < MATCH_TYPE) {
        literalFreq[t]!++;
        continue;
      }
      literalFreq[LENGTH_CODES_START + LENGTH_CODES[(t - MATCH_TYPE) >>> LENGTH_SHIFT]!]!++;
      offsetFreq[OFFSET_CODES[t & OFFSET_MASK]!]!++;
    }
    let numLiterals = MAX_NUM_LIT;
    while (literalFreq[numLiterals - 1] === 0) numLiterals--;
    let numOffsets = OFFSET_CODE_COUNT;
    while (numOffsets > 0 && offsetFreq[numOffsets - 1] === 0) numOffsets--;
    if (numOffsets === 0) {
      // No matches: count one distance anyway so a dynamic distance tree can be encoded.
      offsetFreq[0] = 1;
      numOffsets = 1;
    }
    this.literalEncoding.generate(literalFreq, 15);
    this.offsetEncoding.generate(offsetFreq, 15);
    return { numLiterals, numOffsets };
  }

  /** Go: dynamicSize. Bits for a dynamic block, and how many codegen lengths its header sends. */
  private dynamicSize(
    litEnc: HuffmanEncoder,
    offEnc: HuffmanEncoder,
    extraBits: number,
  ): { size: number; numCodegens: number } {
    const freq = this.codegenFreq;
    let numCodegens = CODEGEN_CODE_COUNT;
    while (numCodegens > 4 && freq[CODEGEN_ORDER[numCodegens - 1]!] === 0) numCodegens--;
    const header =
      3 +
      5 +
      5 +
      4 +
      3 * numCodegens +
      this.codegenEncoding.bitLength(freq) +
      freq[16]! * 2 +
      freq[17]! * 3 +
      freq[18]! * 7;
    const size =
      header + litEnc.bitLength(this.literalFreq) + offEnc.bitLength(this.offsetFreq) + extraBits;
    return { size, numCodegens };
  }
}
