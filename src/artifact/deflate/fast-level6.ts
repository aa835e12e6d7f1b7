// Re-implementation of Go 1.27's compress/flate level-6 fast encoder (level6.go, fastGen of
// deflatefast.go, load_store.go), Copyright The Go Authors, BSD-3-Clause. Two hash tables: a
// 4-byte one with one entry per slot and a 7-byte one keeping the current and previous entry;
// matches extend backwards, a repeat-offset check and an end-of-match re-check look for longer
// ones. Every decision is Go's, so the tokens are Go's.
//
// The search loop runs as WebAssembly (wasm/level6/level6.ts, embedded by level6-wasm.ts), where
// Go's 64-bit loads and multiplies are native: measured ~3x faster than this JavaScript loop,
// which stays as the fallback (no WebAssembly, e.g. node --jitless) and as a second
// implementation the tests compare. Both share this class's state, kept in the module's memory.
// In JavaScript a word is two int32 halves (lo, hi) and the 7-byte hash's 64-bit multiply is done
// exactly in 32-bit pieces. Tables are typed arrays, the hot loop has no calls that allocate.

import { LEVEL6_WASM_BASE64 } from './level6-wasm.js';
import {
  LENGTH_BASE,
  LENGTH_CODES,
  LENGTH_EXTRA_BITS,
  OFFSET_BASE,
  OFFSET_CODES,
  OFFSET_EXTRA_BITS,
} from './tables.js';
import { type TokenBitWriter, Tokens } from './tokens.js';

const TABLE_BITS = 15;
const TABLE_SIZE = 1 << TABLE_BITS;
const MAX_MATCH_OFFSET = 1 << 15;
const MAX_STORE_BLOCK_SIZE = 65535;
const ALLOC_HISTORY = MAX_STORE_BLOCK_SIZE * 5;
const BUFFER_RESET = 2 ** 31 - ALLOC_HISTORY - MAX_STORE_BLOCK_SIZE - 1;
const INPUT_MARGIN = 12 - 1;
const MIN_NON_LITERAL_BLOCK_SIZE = 1 + 1 + INPUT_MARGIN;
const MAX_MATCH_LENGTH = 258;
const SKIP_LOG = 7;

// prime4bytes, and prime7bytes split into 32-bit halves and the low half into 16-bit halves.
const PRIME4 = 0x9e3779b1 | 0;
const P7_HI = 0x00cf1bbc;
const P7_LO = 0xdcbfa563 | 0;
const P7_LO_HI16 = 0xdcbf;
const P7_LO_LO16 = 0xa563;

/** Go: hashLen(u, 15, 4). */
function hash4(lo: number): number {
  return Math.imul(lo, PRIME4) >>> (32 - TABLE_BITS);
}

/**
 * Go: hashLen(u, 15, 7) = uint32(((u << 8) * prime7bytes) >> 49), u = hi:lo. With L, H the
 * halves of u << 8, the top word of the 64-bit product is
 * mulhi(L, P7_LO) + L * P7_HI + H * P7_LO (mod 2^32). L = (lo & 0xffffff) * 256, so
 * mulhi(L, P7_LO) = floor(lo24 * P7_LO / 2^24), computed exactly with 16-bit halves of P7_LO.
 */
function hash7(lo: number, hi: number): number {
  const lo24 = lo & 0xffffff;
  const q = ((lo24 * P7_LO_LO16) / 65536) | 0; // < 2^24
  const mulhi = (lo24 * P7_LO_HI16 + q) / 256; // < 2^32 + 2^16, fraction dropped by >>> 0
  const L = lo << 8;
  const H = (hi << 8) | (lo >>> 24);
  return ((mulhi >>> 0) + Math.imul(L, P7_HI) + Math.imul(H, P7_LO)) >>> (32 - TABLE_BITS);
}

/** Go: matchLen — length of the common prefix of buf[a, a + limit) and buf[b, ...). */
function matchLen(buf: Uint8Array, dv: DataView, a: number, b: number, limit: number): number {
  let n = 0;
  while (n + 4 <= limit) {
    const x = dv.getInt32(a + n, true) ^ dv.getInt32(b + n, true);
    if (x !== 0) return n + ((31 - Math.clz32(x & -x)) >>> 3);
    n += 4;
  }
  while (n < limit && buf[a + n] === buf[b + n]) n++;
  return n;
}

/** The level-6 module's exports (see wasm/level6/level6.ts). */
interface Level6Exports {
  memory: { readonly buffer: ArrayBuffer };
  encode(s0: number, srcLen: number, cur: number, n: number): number;
  histPtr(): number;
  tablePtr(): number;
  bTablePtr(): number;
  tokensPtr(): number;
  litHistPtr(): number;
  offHistPtr(): number;
  offsetCodesPtr(): number;
  lengthCodesPtr(): number;
  writeTokens(n: number, bits: number, nbits: number): number;
  litPackPtr(): number;
  offPackPtr(): number;
  lengthExtraPtr(): number;
  lengthBasePtr(): number;
  offsetExtraPtr(): number;
  offsetBasePtr(): number;
  outPtr(): number;
  statePtr(): number;
}

/** The wasm module's writeTokens over its own token store. */
class WasmTokenWriter implements TokenBitWriter {
  bits = 0;
  nbits = 0;
  private readonly litPack: Int32Array;
  private readonly offPack: Int32Array;
  private readonly state: Uint32Array;

  constructor(private readonly x: Level6Exports) {
    const buf = x.memory.buffer;
    this.litPack = new Int32Array(buf, x.litPackPtr(), 288);
    this.offPack = new Int32Array(buf, x.offPackPtr(), 32);
    this.state = new Uint32Array(buf, x.statePtr(), 2);
    const widen = (ptr: number, from: ArrayLike<number>) => new Int32Array(buf, ptr, 32).set(from);
    widen(x.lengthExtraPtr(), LENGTH_EXTRA_BITS);
    widen(x.lengthBasePtr(), LENGTH_BASE);
    widen(x.offsetExtraPtr(), OFFSET_EXTRA_BITS);
    widen(x.offsetBasePtr(), OFFSET_BASE);
  }

  write(
    n: number,
    litPacked: Int32Array,
    offPacked: Int32Array,
    bits: number,
    nbits: number,
  ): Uint8Array {
    this.litPack.set(litPacked);
    this.offPack.set(offPacked);
    const len = this.x.writeTokens(n, bits, nbits);
    this.bits = this.state[0]!;
    this.nbits = this.state[1]!;
    return new Uint8Array(this.x.memory.buffer, this.x.outPtr(), len);
  }
}

/** The part of the WebAssembly API used here (the project's lib settings do not declare it). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: unknown };
}
const WASM = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

let compiled: object | null | undefined;

/** The compiled module, once per process; null when this runtime has no WebAssembly. */
function level6Module(): object | null {
  if (compiled === undefined) {
    try {
      compiled = WASM ? new WASM.Module(Buffer.from(LEVEL6_WASM_BASE64, 'base64')) : null;
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

/** Go: fastEncL6 with its fastGen history. */
export class FastEncL6 {
  /** History: up to ALLOC_HISTORY bytes; positions in the tables are (index + cur). */
  private readonly hist: Uint8Array;
  private readonly dv: DataView;
  private histLen = 0;
  private cur = MAX_STORE_BLOCK_SIZE;
  private readonly table: Int32Array;
  /** Long table: [2h] = cur entry, [2h + 1] = previous entry. */
  private readonly bTable: Int32Array;
  /** The token store `encode` must be given (in the module's memory when it runs as wasm). */
  readonly tokens: Tokens;
  private readonly wasmEncode: Level6Exports['encode'] | null = null;

  /** `wasm: false` runs the JavaScript loop (tests compare both). */
  constructor(wasm = true) {
    const mod = wasm ? level6Module() : null;
    if (mod && WASM) {
      const x = new WASM.Instance(mod, {}).exports as Level6Exports;
      const buf = x.memory.buffer; // fixed size: the module never grows its memory
      this.hist = new Uint8Array(buf, x.histPtr(), ALLOC_HISTORY);
      this.table = new Int32Array(buf, x.tablePtr(), TABLE_SIZE);
      this.bTable = new Int32Array(buf, x.bTablePtr(), 2 * TABLE_SIZE);
      new Uint8Array(buf, x.offsetCodesPtr(), OFFSET_CODES.length).set(OFFSET_CODES);
      new Uint8Array(buf, x.lengthCodesPtr(), LENGTH_CODES.length).set(LENGTH_CODES);
      this.tokens = new Tokens(
        new Uint32Array(buf, x.tokensPtr(), 65536 + 1),
        new Int32Array(buf, x.litHistPtr(), 256 + 32),
        new Int32Array(buf, x.offHistPtr(), 32),
      );
      this.tokens.bitWriter = new WasmTokenWriter(x);
      this.wasmEncode = x.encode;
    } else {
      this.hist = new Uint8Array(ALLOC_HISTORY);
      this.table = new Int32Array(TABLE_SIZE);
      this.bTable = new Int32Array(2 * TABLE_SIZE);
      this.tokens = new Tokens();
    }
    this.dv = new DataView(this.hist.buffer, this.hist.byteOffset, this.hist.byteLength);
  }

  /** Whether the search loop runs as WebAssembly. */
  get usesWasm(): boolean {
    return this.wasmEncode !== null;
  }

  /** Go: fastGen.reset — later blocks will not match earlier data. */
  reset(): void {
    if (this.cur <= BUFFER_RESET) this.cur += MAX_MATCH_OFFSET + this.histLen;
    this.histLen = 0;
  }

  /** Go: fastGen.addBlock. */
  private addBlock(src: Uint8Array): number {
    if (this.histLen + src.length > ALLOC_HISTORY) {
      // Keep the last window's worth of history at the start.
      const offset = this.histLen - MAX_MATCH_OFFSET;
      this.hist.copyWithin(0, offset, offset + MAX_MATCH_OFFSET);
      this.cur += offset;
      this.histLen = MAX_MATCH_OFFSET;
    }
    const s = this.histLen;
    this.hist.set(src, s);
    this.histLen += src.length;
    return s;
  }

  /** Go: the e.cur wrap-around protection at the start of encode. */
  private rebase(): void {
    while (this.cur >= BUFFER_RESET) {
      if (this.histLen === 0) {
        this.table.fill(0);
        this.bTable.fill(0);
        this.cur = MAX_MATCH_OFFSET;
        break;
      }
      const cur = this.cur;
      const minOff = cur + this.histLen - MAX_MATCH_OFFSET;
      const table = this.table;
      for (let i = 0; i < TABLE_SIZE; i++) {
        const v = table[i]!;
        table[i] = v <= minOff ? 0 : v - cur + MAX_MATCH_OFFSET;
      }
      const b = this.bTable;
      for (let i = 0; i < 2 * TABLE_SIZE; i += 2) {
        const c = b[i]!;
        const p = b[i + 1]!;
        if (c <= minOff) {
          b[i] = 0;
          b[i + 1] = 0;
        } else {
          b[i] = c - cur + MAX_MATCH_OFFSET;
          b[i + 1] = p <= minOff ? 0 : p - cur + MAX_MATCH_OFFSET;
        }
      }
      this.cur = MAX_MATCH_OFFSET;
    }
  }

  /** Go: fastEncL6.encode — appends the tokens of `block` (<= 64 KiB) to `this.tokens`. */
  encode(block: Uint8Array): void {
    const dst = this.tokens;
    if (this.cur >= BUFFER_RESET) this.rebase();
    const s = this.addBlock(block);
    if (block.length < MIN_NON_LITERAL_BLOCK_SIZE) {
      // Go leaves the literals to the caller here; its caller never passes such small blocks.
      dst.n = block.length;
      return;
    }
    if (this.wasmEncode) dst.n = this.wasmEncode(s, this.histLen, this.cur, dst.n);
    else this.encodeJs(dst, s);
  }

  /** The search loop in JavaScript: the same decisions as the wasm module's `encode`. */
  private encodeJs(dst: Tokens, s0: number): void {
    let s = s0;
    const src = this.hist;
    const dv = this.dv;
    const table = this.table;
    const bTable = this.bTable;
    const cur = this.cur;
    const srcLen = this.histLen;
    const tokens = dst.tokens;
    const hist = dst.hist;
    let nextEmit = s;
    const sLimit = srcLen - INPUT_MARGIN;
    let cvLo = dv.getInt32(s, true);
    let cvHi = dv.getInt32(s + 4, true);
    let repeat = 1;

    for (;;) {
      let nextS = s;
      let l = 0;
      let t = 0;
      // Hashes of cv; after a miss, cv is the previous `next`, whose hashes are known already.
      let hS = hash4(cvLo);
      let hL = hash7(cvLo, cvHi) << 1;
      for (;;) {
        let nextHashS = hS;
        let nextHashL = hL;
        s = nextS;
        nextS = s + 1 + ((s - nextEmit) >> SKIP_LOG);
        if (nextS > sLimit) {
          this.emitRemainder(dst, nextEmit, srcLen);
          return;
        }
        const sCandidate = table[nextHashS]!;
        const lCur = bTable[nextHashL]!;
        const lPrev = bTable[nextHashL + 1]!;
        const nextLo = dv.getInt32(nextS, true);
        const nextHi = dv.getInt32(nextS + 4, true);
        const entry = s + cur;
        table[nextHashS] = entry;
        bTable[nextHashL + 1] = lCur;
        bTable[nextHashL] = entry;

        nextHashS = hash4(nextLo);
        nextHashL = hash7(nextLo, nextHi) << 1;

        t = lCur - cur;
        if (s - t < MAX_MATCH_OFFSET) {
          if (cvLo === dv.getInt32(t, true)) {
            // The long candidate matches at least 4 bytes; store the next position.
            table[nextHashS] = nextS + cur;
            bTable[nextHashL + 1] = bTable[nextHashL]!;
            bTable[nextHashL] = nextS + cur;
            // Check the previous long candidate as well.
            const t2 = lPrev - cur;
            if (s - t2 < MAX_MATCH_OFFSET && cvLo === dv.getInt32(t2, true)) {
              l =
                matchLen(src, dv, s + 4, t + 4, Math.min(MAX_MATCH_LENGTH - 4, srcLen - s - 4)) + 4;
              const ml1 =
                matchLen(src, dv, s + 4, t2 + 4, Math.min(MAX_MATCH_LENGTH - 4, srcLen - s - 4)) +
                4;
              if (ml1 > l) {
                t = t2;
                l = ml1;
              }
            }
            break;
          }
          // The current long entry did not match; does the previous one?
          t = lPrev - cur;
          if (s - t < MAX_MATCH_OFFSET && cvLo === dv.getInt32(t, true)) {
            table[nextHashS] = nextS + cur;
            bTable[nextHashL + 1] = bTable[nextHashL]!;
            bTable[nextHashL] = nextS + cur;
            break;
          }
        }

        t = sCandidate - cur;
        if (s - t < MAX_MATCH_OFFSET && cvLo === dv.getInt32(t, true)) {
          // A 4-byte match from the short table.
          l = matchLen(src, dv, s + 4, t + 4, Math.min(MAX_MATCH_LENGTH - 4, srcLen - s - 4)) + 4;
          // The long candidate at nextS, read before it is overwritten.
          const nCur = bTable[nextHashL]!;
          const nPrev = bTable[nextHashL + 1]!;
          table[nextHashS] = nextS + cur;
          bTable[nextHashL + 1] = nCur;
          bTable[nextHashL] = nextS + cur;

          // Repeat offset at s + 1.
          let t2 = s - repeat + 1;
          if (dv.getInt32(t2, true) === ((cvLo >>> 8) | (cvHi << 24))) {
            const ml =
              matchLen(src, dv, s + 5, t2 + 4, Math.min(MAX_MATCH_LENGTH - 4, srcLen - s - 5)) + 4;
            if (ml > l) {
              t = t2;
              l = ml;
              s += 1;
              break;
            }
          }
          // The long candidates at nextS.
          t2 = nCur - cur;
          if (nextS - t2 < MAX_MATCH_OFFSET) {
            if (dv.getInt32(t2, true) === nextLo) {
              const ml =
                matchLen(
                  src,
                  dv,
                  nextS + 4,
                  t2 + 4,
                  Math.min(MAX_MATCH_LENGTH - 4, srcLen - nextS - 4),
                ) + 4;
              if (ml > l) {
                t = t2;
                s = nextS;
                l = ml;
              }
            }
            t2 = nPrev - cur;
            if (nextS - t2 < MAX_MATCH_OFFSET && dv.getInt32(t2, true) === nextLo) {
              const ml =
                matchLen(
                  src,
                  dv,
                  nextS + 4,
                  t2 + 4,
                  Math.min(MAX_MATCH_LENGTH - 4, srcLen - nextS - 4),
                ) + 4;
              if (ml > l) {
                t = t2;
                s = nextS;
                l = ml;
              }
            }
          }
          break;
        }
        cvLo = nextLo;
        cvHi = nextHi;
        hS = nextHashS;
        hL = nextHashL;
      }

      // Extend the match as far as it goes.
      if (l === 0) {
        l = matchLen(src, dv, s + 4, t + 4, srcLen - s - 4) + 4;
      } else if (l === MAX_MATCH_LENGTH) {
        l += matchLen(src, dv, s + l, t + l, srcLen - s - l);
      }

      // A longer match ending where this one ends? (First 2 bytes may differ: extended back.)
      const sAt = s + l;
      if (sAt < sLimit) {
        const h = hash7(dv.getInt32(sAt, true), dv.getInt32(sAt + 4, true)) << 1;
        const eCur = bTable[h]!;
        const ePrev = bTable[h + 1]!;
        let t2 = eCur - cur - l + 2;
        const s2 = s + 2;
        const off = s2 - t2;
        if (off < MAX_MATCH_OFFSET) {
          if (off > 0 && t2 >= 0) {
            const l2 = matchLen(src, dv, s2, t2, srcLen - s2);
            if (l2 > l) {
              t = t2;
              l = l2;
              s = s2;
            }
          }
          t2 = ePrev - cur - l + 2;
          const off2 = s2 - t2;
          if (off2 > 0 && off2 < MAX_MATCH_OFFSET && t2 >= 0) {
            const l2 = matchLen(src, dv, s2, t2, srcLen - s2);
            if (l2 > l) {
              t = t2;
              l = l2;
              s = s2;
            }
          }
        }
      }

      // Extend backwards.
      while (t > 0 && s > nextEmit && src[t - 1] === src[s - 1]) {
        s--;
        t--;
        l++;
      }
      if (nextEmit < s) {
        let n = dst.n;
        for (let i = nextEmit; i < s; i++) {
          const v = src[i]!;
          tokens[n++] = v;
          hist[v]!++;
        }
        dst.n = n;
      }
      dst.addMatchLong(l, s - t - 1);
      repeat = s - t;
      s += l;
      nextEmit = s;
      if (nextS >= s) s = nextS + 1;

      if (s >= sLimit) {
        // Index what follows the match end, then emit the rest as literals.
        for (let i = nextS + 1; i < srcLen - 8; i += 2) {
          const lo = dv.getInt32(i, true);
          const h = hash7(lo, dv.getInt32(i + 4, true)) << 1;
          table[hash4(lo)] = i + cur;
          bTable[h + 1] = bTable[h]!;
          bTable[h] = i + cur;
        }
        this.emitRemainder(dst, nextEmit, srcLen);
        return;
      }

      // Store every long hash in between and every second short one.
      for (let i = nextS + 1; i < s - 1; i += 2) {
        const lo = dv.getInt32(i, true);
        const hi = dv.getInt32(i + 4, true);
        const e = i + cur;
        const h = hash7(lo, hi) << 1;
        const h2 = hash7((lo >>> 8) | (hi << 24), hi >>> 8) << 1;
        table[hash4(lo)] = e;
        bTable[h + 1] = bTable[h]!;
        bTable[h] = e;
        bTable[h2 + 1] = bTable[h2]!;
        bTable[h2] = e + 1;
      }
      cvLo = dv.getInt32(s, true);
      cvHi = dv.getInt32(s + 4, true);
    }
  }

  /** Go: the emitRemainder label — literals to the end, unless the block made no tokens. */
  private emitRemainder(dst: Tokens, nextEmit: number, srcLen: number): void {
    if (nextEmit < srcLen) {
      if (dst.n === 0) return;
      const src = this.hist;
      const tokens = dst.tokens;
      const hist = dst.hist;
      let n = dst.n;
      for (let i = nextEmit; i < srcLen; i++) {
        const v = src[i]!;
        tokens[n++] = v;
        hist[v]!++;
      }
      dst.n = n;
    }
  }
}
