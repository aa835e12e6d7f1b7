// Re-implementation of the block decisions of Go 1.27's compress/flate huffman_bit_writer.go
// (writeBlockDynamic, writeBlockHuff, writeStoredHeader, writeFixedHeader, flush), Copyright The
// Go Authors, BSD-3-Clause. Unlike Go 1.26, a dynamic block may stay open so the next block reuses
// its Huffman table (the EOB is "owed" until a new table, a stored block or the end), and a new
// table is chosen from an entropy estimate plus a penalty. The fast encoders (levels 1–6) use it.

import { BitWriterBase } from './bit-writer.js';
import { fixedLiteralEncoding, fixedOffsetEncoding, HuffmanEncoder } from './huffman-encoder.js';
import * as T from './tables.js';
import type { Tokens } from './tokens.js';

const CODEGEN_CODE_COUNT = T.CODEGEN_CODE_COUNT;
const CODEGEN_ORDER = T.CODEGEN_ORDER;
const END_BLOCK_MARKER = T.END_BLOCK_MARKER;
const LENGTH_EXTRA_BITS = T.LENGTH_EXTRA_BITS;
const MAX_NUM_LIT = T.MAX_NUM_LIT;
const OFFSET_CODE_COUNT = T.OFFSET_CODE_COUNT;
const OFFSET_EXTRA_BITS = T.OFFSET_EXTRA_BITS;

const MAX_STORE_BLOCK_SIZE = 65535;
const MAX_INT32 = 0x7fffffff;
/** Below this many tokens the fixed table is considered (Go: maxPredefinedTokens). */
const MAX_PREDEFINED_TOKENS = 250;
/** log2 penalty reduction for a new table; Go sets 7 for levels 1–6. */
const LOG_NEW_TABLE_PENALTY = 7;
/** Go: guessHeaderSizeBits (70 bytes). */
const GUESS_HEADER_SIZE_BITS = 70 * 8;

const FIXED_LIT = fixedLiteralEncoding();
const FIXED_OFF = fixedOffsetEncoding();
/** Go: huffOffset, the distance code of a literal-only block (one 1-bit code). */
const HUFF_OFFSET = (() => {
  const h = new HuffmanEncoder(OFFSET_CODE_COUNT);
  const freq = new Int32Array(OFFSET_CODE_COUNT);
  freq[0] = 1;
  h.generate(freq, 15);
  return h;
})();

export class FastBitWriter extends BitWriterBase {
  /** Non-zero: the current table's header size, and an EOB is owed before any other block. */
  private prevHeader = 0;
  /** The open block is literal-only (writeBlockHuff): its distance codes are not valid. */
  private wroteHuffman = false;
  private tmpLitEncoding = new HuffmanEncoder(MAX_NUM_LIT);
  // Fixed-size views, made once (the encoders take the frequency table's length as alphabet).
  private readonly litFreq286 = this.literalFreq.subarray(0, MAX_NUM_LIT);
  private readonly litFreq257 = this.literalFreq.subarray(0, END_BLOCK_MARKER + 1);
  private readonly litFreq256 = this.literalFreq.subarray(0, 256);
  private readonly huffPacked = new Int32Array(256);

  private writeEOB(): void {
    this.writeBits(
      this.literalEncoding.codes[END_BLOCK_MARKER]!,
      this.literalEncoding.lens[END_BLOCK_MARKER]!,
    );
  }

  /** Go: flush. Ends an open block, then pads to a byte boundary. */
  override flush(): void {
    this.ensure(8);
    if (this.prevHeader > 0) {
      this.writeEOB();
      this.prevHeader = 0;
    }
    super.flush();
  }

  /** Go: writeStoredHeader; an empty final block is written as a 10-bit fixed block instead. */
  override writeStoredHeader(length: number, eof: boolean): void {
    this.ensure(16);
    if (this.prevHeader > 0) {
      this.writeEOB();
      this.prevHeader = 0;
    }
    if (length === 0 && eof) {
      this.writeFixedHeader(eof);
      this.writeBits(0, 7);
      this.flush();
      return;
    }
    this.writeBits(eof ? 1 : 0, 3);
    super.flush();
    this.writeBits(length, 16);
    this.writeBits(~length & 0xffff, 16);
  }

  /** Go: writeStoredBlock's body. */
  writeStored(input: Uint8Array, eof: boolean): void {
    this.writeStoredHeader(input.length, eof);
    this.writeBytes(input);
  }

  private writeFixedHeader(eof: boolean): void {
    this.ensure(8);
    if (this.prevHeader > 0) {
      this.writeEOB();
      this.prevHeader = 0;
    }
    this.writeBits(eof ? 3 : 2, 3);
  }

  /** Go: canReuse — every symbol in the block has a code in the open table. */
  private canReuse(t: Tokens): boolean {
    const offLens = this.offsetEncoding.lens;
    for (let i = 0; i < OFFSET_CODE_COUNT; i++) {
      if (t.offHist[i] !== 0 && offLens[i] === 0) return false;
    }
    const litLens = this.literalEncoding.lens;
    const hist = t.hist;
    for (let i = 256; i < MAX_NUM_LIT; i++) {
      if (hist[i] !== 0 && litLens[i] === 0) return false;
    }
    for (let i = 0; i < 256; i++) {
      if (hist[i] !== 0 && litLens[i] === 0) return false;
    }
    return true;
  }

  /** Go: indexTokens. Copies the block's histograms; returns [numLiterals, numOffsets]. */
  private indexTokens(t: Tokens): number {
    const lf = this.literalFreq;
    const of = this.offsetFreq;
    lf.set(t.hist.subarray(0, MAX_NUM_LIT));
    of.set(t.offHist.subarray(0, OFFSET_CODE_COUNT));
    if (t.n === 0) return 0;
    let numLiterals = MAX_NUM_LIT;
    while (lf[numLiterals - 1] === 0) numLiterals--;
    let numOffsets = OFFSET_CODE_COUNT;
    while (numOffsets > 0 && of[numOffsets - 1] === 0) numOffsets--;
    if (numOffsets === 0) {
      of[0] = 1;
      numOffsets = 1;
    }
    return (numLiterals << 8) | numOffsets;
  }

  private generate(): void {
    this.literalEncoding.generate(this.litFreq286, 15);
    this.offsetEncoding.generate(this.offsetFreq, 15);
  }

  private extraBitSize(): number {
    const lf = this.literalFreq;
    let total = 0;
    for (let i = 0; i < MAX_NUM_LIT - 257; i++) total += lf[257 + i]! * LENGTH_EXTRA_BITS[i]!;
    const of = this.offsetFreq;
    for (let i = 0; i < OFFSET_CODE_COUNT; i++) total += of[i]! * OFFSET_EXTRA_BITS[i]!;
    return total;
  }

  private fixedSize(extraBits: number): number {
    return (
      3 + FIXED_LIT.bitLength(this.litFreq286) + FIXED_OFF.bitLength(this.offsetFreq) + extraBits
    );
  }

  /** Go: headerSize — returns size; numCodegens in this.numCodegens. */
  private numCodegens = 0;
  private headerSize(): number {
    const freq = this.codegenFreq;
    let numCodegens = CODEGEN_CODE_COUNT;
    while (numCodegens > 4 && freq[CODEGEN_ORDER[numCodegens - 1]!] === 0) numCodegens--;
    this.numCodegens = numCodegens;
    return (
      3 +
      5 +
      5 +
      4 +
      3 * numCodegens +
      this.codegenEncoding.bitLength(freq) +
      freq[16]! * 2 +
      freq[17]! * 3 +
      freq[18]! * 7
    );
  }

  private dynamicSize(extraBits: number): number {
    return (
      this.headerSize() +
      this.literalEncoding.bitLength(this.litFreq286) +
      this.offsetEncoding.bitLength(this.offsetFreq) +
      extraBits
    );
  }

  private writeFixedTokens(t: Tokens, eof: boolean, sync: boolean): void {
    this.writeFixedHeader(eof);
    if (!sync) t.addEOB();
    this.ensure(t.n * 6 + 16);
    this.writeTokensOf(t, FIXED_LIT, FIXED_OFF);
  }

  /**
   * Go: writeBlockDynamic. `input` is the block's source (stored when that is smaller); `sync`
   * ends the block, otherwise it stays open for the next one to reuse its table.
   */
  writeBlockDynamic(t: Tokens, eof: boolean, input: Uint8Array | null, syncIn: boolean): void {
    const sync = syncIn || eof;
    if (sync) t.addEOB();
    else t.hist[256] = 1; // make sure an EOB can always be written
    this.ensure(1024);

    if ((this.wroteHuffman || eof) && this.prevHeader > 0) {
      this.writeEOB();
      this.prevHeader = 0;
      this.wroteHuffman = false;
    }
    if (this.prevHeader > 0 && !this.canReuse(t)) {
      this.writeEOB();
      this.prevHeader = 0;
    }
    const counts = this.indexTokens(t);
    const numLiterals = counts >>> 8;
    const numOffsets = counts & 0xff;
    const storable = input !== null && input.length <= MAX_STORE_BLOCK_SIZE;
    const ssize = storable ? (input.length + 5) * 8 : 0;
    const extraBits = storable || this.prevHeader > 0 ? this.extraBitSize() : 0;
    let size = 0;

    if (this.prevHeader > 0) {
      // New table (estimated, with a penalty) or reuse of the open one?
      let newSize = this.prevHeader + t.estimatedBits();
      newSize += this.literalEncoding.lens[END_BLOCK_MARKER]! + (newSize >> LOG_NEW_TABLE_PENALTY);
      const reuseSize =
        this.literalEncoding.bitLength(this.litFreq286) +
        this.offsetEncoding.bitLength(this.offsetFreq) +
        extraBits;
      if (newSize < reuseSize) {
        this.writeEOB();
        size = newSize;
        this.prevHeader = 0;
      } else {
        size = reuseSize;
      }
      if (t.n < MAX_PREDEFINED_TOKENS && this.fixedSize(extraBits) + 7 < size) {
        if (storable && ssize <= size) {
          this.writeStored(input, eof);
          return;
        }
        this.writeFixedTokens(t, eof, sync);
        return;
      }
      if (storable && ssize <= size) {
        this.writeStored(input, eof);
        return;
      }
    }

    if (this.prevHeader === 0) {
      this.literalFreq[END_BLOCK_MARKER] = 1;
      this.generate();
      this.generateCodegen(numLiterals, numOffsets, this.literalEncoding, this.offsetEncoding);
      this.codegenEncoding.generate(this.codegenFreq, 7);
      size = this.dynamicSize(extraBits);
      const numCodegens = this.numCodegens;
      if (t.n < MAX_PREDEFINED_TOKENS) {
        const preSize = this.fixedSize(extraBits);
        if (preSize <= size) {
          if (storable && ssize <= preSize) {
            this.writeStored(input, eof);
            return;
          }
          this.writeFixedTokens(t, eof, sync);
          return;
        }
      }
      if (storable && ssize <= size) {
        this.writeStored(input, eof);
        return;
      }
      this.writeDynamicHeader(numLiterals, numOffsets, numCodegens, eof);
      if (!sync) this.prevHeader = this.headerSize();
      this.wroteHuffman = false;
    }
    if (sync) this.prevHeader = 0;
    this.ensure(t.n * 6 + 16);
    this.writeTokensOf(t, this.literalEncoding, this.offsetEncoding);
  }

  /**
   * Go: writeBlockHuff. Literal-only block for `input`, or stored when it looks incompressible;
   * may continue the open block when its table covers every byte cheaply enough.
   */
  writeBlockHuff(eof: boolean, input: Uint8Array, sync: boolean): void {
    const lf = this.literalFreq;
    lf.fill(0);
    if (!this.wroteHuffman) this.offsetFreq.fill(0);
    for (let i = 0; i < input.length; i++) lf[input[i]!]!++;
    const storable = input.length <= MAX_STORE_BLOCK_SIZE;
    const ssize = storable ? (input.length + 5) * 8 : 0;
    if (storable && input.length > 1024) {
      // All frequencies close to the average: random data, store it.
      let abs = 0;
      const avg = input.length / 256;
      const max = input.length * 2;
      for (let i = 0; i < 256; i++) {
        const diff = lf[i]! - avg;
        abs += diff * diff;
        if (abs >= max) break;
      }
      if (abs < max) {
        this.writeStored(input, eof);
        return;
      }
    }
    lf[END_BLOCK_MARKER] = 1;
    this.tmpLitEncoding.generate(this.litFreq257, 15);
    let estBits = this.tmpLitEncoding.canEncodeLen(this.litFreq257);
    if (estBits < MAX_INT32) {
      estBits += this.prevHeader;
      if (this.prevHeader === 0) estBits += GUESS_HEADER_SIZE_BITS;
      estBits += estBits >> LOG_NEW_TABLE_PENALTY;
    }
    if (storable && ssize <= estBits) {
      this.writeStored(input, eof);
      return;
    }
    this.ensure(input.length * 2 + 1024);

    if (this.prevHeader > 0) {
      const reuseSize = this.literalEncoding.canEncodeLen(this.litFreq256);
      if (estBits < reuseSize) {
        this.writeEOB();
        this.prevHeader = 0;
      }
    }
    if (this.prevHeader === 0) {
      const swap = this.literalEncoding;
      this.literalEncoding = this.tmpLitEncoding;
      this.tmpLitEncoding = swap;
      this.generateCodegen(END_BLOCK_MARKER + 1, 1, this.literalEncoding, HUFF_OFFSET);
      this.codegenEncoding.generate(this.codegenFreq, 7);
      this.headerSize();
      this.writeDynamicHeader(END_BLOCK_MARKER + 1, 1, this.numCodegens, eof);
      this.wroteHuffman = true;
      this.prevHeader = this.headerSize();
    }

    const lp = this.huffPacked;
    const codes = this.literalEncoding.codes;
    const lens = this.literalEncoding.lens;
    for (let i = 0; i < 256; i++) lp[i] = (lens[i]! << 16) | codes[i]!;
    const out = this.out;
    let pos = this.pos;
    let bits = this.bits;
    let nbits = this.nbits;
    for (let i = 0; i < input.length; i++) {
      const c = lp[input[i]!]!;
      bits |= (c & 0xffff) << nbits;
      nbits += c >>> 16;
      if (nbits >= 16) {
        out[pos++] = bits;
        out[pos++] = bits >>> 8;
        bits >>>= 16;
        nbits -= 16;
      }
    }
    this.pos = pos;
    this.bits = bits;
    this.nbits = nbits;

    if (eof || sync) {
      this.writeEOB();
      this.prevHeader = 0;
      this.wroteHuffman = false;
    }
  }
}
