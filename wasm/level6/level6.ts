// AssemblyScript source of src/artifact/deflate/level6-wasm.ts (built by scripts/build-wasm.mjs).
// The search loop of Go 1.27's compress/flate level-6 fast encoder (level6.go, fastGen of
// deflatefast.go, load_store.go, token.go's AddMatchLong), Copyright The Go Authors,
// BSD-3-Clause; see NOTICE. It is the same algorithm, decision for decision, as
// src/artifact/deflate/fast-level6.ts (the JavaScript fallback): WebAssembly has Go's 64-bit loads
// and multiply natively, which is what makes the 7-byte hash cheap. The history, the hash tables,
// the tokens and their histograms live in this module's memory; JavaScript fills the history and
// the code tables and reads the tokens (see fast-level6-wasm.ts for the layout).

const TABLE_BITS: i32 = 15;
const TABLE_SIZE: i32 = 1 << TABLE_BITS;
const MAX_MATCH_OFFSET: i32 = 1 << 15;
const ALLOC_HISTORY: i32 = 65535 * 5;
const INPUT_MARGIN: i32 = 12 - 1;
const MAX_MATCH_LENGTH: i32 = 258;
const SKIP_LOG: i32 = 7;
const PRIME4: u32 = 0x9e3779b1;
const PRIME7: u64 = ((<u64>0x00cf1bbc) << 32) | 0xdcbfa563; // Go's prime7bytes
const MATCH_TYPE: u32 = 1 << 30;
const LENGTH_SHIFT: u32 = 22;

// Regions (zeroed static memory). Padding after the history keeps 8-byte loads in bounds.
const HIST: usize = memory.data(ALLOC_HISTORY + 64, 16);
const TABLE: usize = memory.data(TABLE_SIZE * 4, 16);
const BTABLE: usize = memory.data(2 * TABLE_SIZE * 4, 16);
const TOKENS: usize = memory.data((65536 + 16) * 4, 16);
const LHIST: usize = memory.data((256 + 32) * 4, 16);
const OHIST: usize = memory.data(32 * 4, 16);
const OCODES: usize = memory.data(1 << 15, 16);
const LCODES: usize = memory.data(256, 16);
// For writeTokens: packed codes (len << 16 | reversed code) of the block's literal/length and
// distance tables, written by JavaScript per block; the static extra-bit tables (bits, base) per
// length and distance code; the output bytes (<= 6 per token); the bit state left over.
const LITPACK: usize = memory.data(288 * 4, 16);
const OFFPACK: usize = memory.data(32 * 4, 16);
const LXBITS: usize = memory.data(32 * 4, 16);
const LBASE: usize = memory.data(32 * 4, 16);
const OXBITS: usize = memory.data(32 * 4, 16);
const OBASE: usize = memory.data(32 * 4, 16);
const OUT: usize = memory.data((65536 + 16) * 6, 16);
const STATE: usize = memory.data(16, 16);

export function histPtr(): usize {
  return HIST;
}
export function tablePtr(): usize {
  return TABLE;
}
export function bTablePtr(): usize {
  return BTABLE;
}
export function tokensPtr(): usize {
  return TOKENS;
}
export function litHistPtr(): usize {
  return LHIST;
}
export function offHistPtr(): usize {
  return OHIST;
}
export function offsetCodesPtr(): usize {
  return OCODES;
}
export function lengthCodesPtr(): usize {
  return LCODES;
}
export function litPackPtr(): usize {
  return LITPACK;
}
export function offPackPtr(): usize {
  return OFFPACK;
}
export function lengthExtraPtr(): usize {
  return LXBITS;
}
export function lengthBasePtr(): usize {
  return LBASE;
}
export function offsetExtraPtr(): usize {
  return OXBITS;
}
export function offsetBasePtr(): usize {
  return OBASE;
}
export function outPtr(): usize {
  return OUT;
}
export function statePtr(): usize {
  return STATE;
}

function ld8(i: i32): u32 {
  return load<u8>(HIST + <usize>i);
}
function ld32(i: i32): u32 {
  return load<u32>(HIST + <usize>i);
}
function ld64(i: i32): u64 {
  return load<u64>(HIST + <usize>i);
}
function tGet(h: i32): i32 {
  return load<i32>(TABLE + ((<usize>h) << 2));
}
function tSet(h: i32, v: i32): void {
  store<i32>(TABLE + ((<usize>h) << 2), v);
}
function bGet(h: i32): i32 {
  return load<i32>(BTABLE + ((<usize>h) << 2));
}
function bSet(h: i32, v: i32): void {
  store<i32>(BTABLE + ((<usize>h) << 2), v);
}
/** Long table: [2h] = current entry, [2h + 1] = previous; stores `v` as the new current. */
function bPush(h: i32, v: i32): void {
  bSet(h + 1, bGet(h));
  bSet(h, v);
}

/** Go: hashLen(u, 15, 4). */
function hash4(u: u32): i32 {
  return <i32>((u * PRIME4) >> (32 - TABLE_BITS));
}

/** Go: hashLen(u, 15, 7), times 2 (an index into the interleaved long table). */
function hash7x2(u: u64): i32 {
  return (<i32>(((u << 8) * PRIME7) >> (64 - TABLE_BITS))) << 1;
}

/** Go: matchLen — length of the common prefix of hist[a, a + limit) and hist[b, ...). */
function matchLen(a: i32, b: i32, limit: i32): i32 {
  let n: i32 = 0;
  while (n + 8 <= limit) {
    const x = ld64(a + n) ^ ld64(b + n);
    if (x !== 0) return n + <i32>(ctz<u64>(x) >> 3);
    n += 8;
  }
  while (n < limit && ld8(a + n) === ld8(b + n)) n++;
  return n;
}

function min(a: i32, b: i32): i32 {
  return a < b ? a : b;
}

function addLiterals(from: i32, to: i32, n: i32): i32 {
  for (let i = from; i < to; i++) {
    const v = ld8(i);
    store<u32>(TOKENS + ((<usize>n) << 2), v);
    n++;
    const p = LHIST + ((<usize>v) << 2);
    store<i32>(p, load<i32>(p) + 1);
  }
  return n;
}

/** Go: AddMatchLong; `xoffset` is the distance minus 1. Returns the new token count. */
function addMatchLong(length: i32, xoffset: i32, n: i32): i32 {
  const oc = <usize>load<u8>(OCODES + <usize>xoffset);
  let left = length;
  while (left > 0) {
    let xl = left;
    if (xl > 258) xl = xl > 258 + 3 ? 258 : 258 - 3;
    left -= xl;
    xl -= 3;
    const lp = LHIST + ((257 + <usize>load<u8>(LCODES + <usize>xl)) << 2);
    store<i32>(lp, load<i32>(lp) + 1);
    const op = OHIST + (oc << 2);
    store<i32>(op, load<i32>(op) + 1);
    store<u32>(TOKENS + ((<usize>n) << 2), MATCH_TYPE + ((<u32>xl) << LENGTH_SHIFT) + <u32>xoffset);
    n++;
  }
  return n;
}

/** Go: the emitRemainder label — literals to the end, unless the block made no tokens. */
function emitRemainder(nextEmit: i32, srcLen: i32, n: i32): i32 {
  if (nextEmit < srcLen && n !== 0) return addLiterals(nextEmit, srcLen, n);
  return n;
}

/**
 * Go: fastEncL6.encode over hist[s0, srcLen) (the block was appended at s0), with table entries
 * offset by `cur`. `n` tokens are in the token store already; returns the new count.
 */
export function encode(s0: i32, srcLen: i32, cur: i32, n0: i32): i32 {
  let n = n0;
  let s = s0;
  let nextEmit = s;
  const sLimit = srcLen - INPUT_MARGIN;
  let cv = ld64(s);
  let repeat: i32 = 1;

  for (;;) {
    let nextS = s;
    let l: i32 = 0;
    let t: i32 = 0;
    let hS = hash4(<u32>cv);
    let hL = hash7x2(cv);
    for (;;) {
      let nextHashS = hS;
      let nextHashL = hL;
      s = nextS;
      nextS = s + 1 + ((s - nextEmit) >> SKIP_LOG);
      if (nextS > sLimit) return emitRemainder(nextEmit, srcLen, n);
      const sCandidate = tGet(nextHashS);
      const lCur = bGet(nextHashL);
      const lPrev = bGet(nextHashL + 1);
      const next = ld64(nextS);
      const entry = s + cur;
      tSet(nextHashS, entry);
      bSet(nextHashL + 1, lCur);
      bSet(nextHashL, entry);

      nextHashS = hash4(<u32>next);
      nextHashL = hash7x2(next);
      const cv32 = <u32>cv;

      t = lCur - cur;
      if (s - t < MAX_MATCH_OFFSET) {
        if (cv32 === ld32(t)) {
          // The long candidate matches at least 4 bytes; store the next position.
          tSet(nextHashS, nextS + cur);
          bPush(nextHashL, nextS + cur);
          // Check the previous long candidate as well.
          const t2 = lPrev - cur;
          if (s - t2 < MAX_MATCH_OFFSET && cv32 === ld32(t2)) {
            const lim = min(MAX_MATCH_LENGTH - 4, srcLen - s - 4);
            l = matchLen(s + 4, t + 4, lim) + 4;
            const ml1 = matchLen(s + 4, t2 + 4, lim) + 4;
            if (ml1 > l) {
              t = t2;
              l = ml1;
            }
          }
          break;
        }
        // The current long entry did not match; does the previous one?
        t = lPrev - cur;
        if (s - t < MAX_MATCH_OFFSET && cv32 === ld32(t)) {
          tSet(nextHashS, nextS + cur);
          bPush(nextHashL, nextS + cur);
          break;
        }
      }

      t = sCandidate - cur;
      if (s - t < MAX_MATCH_OFFSET && cv32 === ld32(t)) {
        // A 4-byte match from the short table.
        l = matchLen(s + 4, t + 4, min(MAX_MATCH_LENGTH - 4, srcLen - s - 4)) + 4;
        // The long candidates at nextS, read before they are overwritten.
        const nCur = bGet(nextHashL);
        const nPrev = bGet(nextHashL + 1);
        tSet(nextHashS, nextS + cur);
        bSet(nextHashL + 1, nCur);
        bSet(nextHashL, nextS + cur);

        // Repeat offset at s + 1.
        let t2 = s - repeat + 1;
        if (ld32(t2) === <u32>(cv >> 8)) {
          const ml = matchLen(s + 5, t2 + 4, min(MAX_MATCH_LENGTH - 4, srcLen - s - 5)) + 4;
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
          const next32 = <u32>next;
          const lim = min(MAX_MATCH_LENGTH - 4, srcLen - nextS - 4);
          if (ld32(t2) === next32) {
            const ml = matchLen(nextS + 4, t2 + 4, lim) + 4;
            if (ml > l) {
              t = t2;
              s = nextS;
              l = ml;
            }
          }
          t2 = nPrev - cur;
          if (nextS - t2 < MAX_MATCH_OFFSET && ld32(t2) === next32) {
            const ml = matchLen(nextS + 4, t2 + 4, lim) + 4;
            if (ml > l) {
              t = t2;
              s = nextS;
              l = ml;
            }
          }
        }
        break;
      }
      cv = next;
      hS = nextHashS;
      hL = nextHashL;
    }

    // Extend the match as far as it goes.
    if (l === 0) {
      l = matchLen(s + 4, t + 4, srcLen - s - 4) + 4;
    } else if (l === MAX_MATCH_LENGTH) {
      l += matchLen(s + l, t + l, srcLen - s - l);
    }

    // A longer match ending where this one ends? (First 2 bytes may differ: extended back.)
    const sAt = s + l;
    if (sAt < sLimit) {
      const h = hash7x2(ld64(sAt));
      const eCur = bGet(h);
      const ePrev = bGet(h + 1);
      let t2 = eCur - cur - l + 2;
      const s2 = s + 2;
      const off = s2 - t2;
      if (off < MAX_MATCH_OFFSET) {
        if (off > 0 && t2 >= 0) {
          const l2 = matchLen(s2, t2, srcLen - s2);
          if (l2 > l) {
            t = t2;
            l = l2;
            s = s2;
          }
        }
        t2 = ePrev - cur - l + 2;
        const off2 = s2 - t2;
        if (off2 > 0 && off2 < MAX_MATCH_OFFSET && t2 >= 0) {
          const l2 = matchLen(s2, t2, srcLen - s2);
          if (l2 > l) {
            t = t2;
            l = l2;
            s = s2;
          }
        }
      }
    }

    // Extend backwards.
    while (t > 0 && s > nextEmit && ld8(t - 1) === ld8(s - 1)) {
      s--;
      t--;
      l++;
    }
    if (nextEmit < s) n = addLiterals(nextEmit, s, n);
    n = addMatchLong(l, s - t - 1, n);
    repeat = s - t;
    s += l;
    nextEmit = s;
    if (nextS >= s) s = nextS + 1;

    if (s >= sLimit) {
      // Index what follows the match end, then emit the rest as literals.
      for (let i = nextS + 1; i < srcLen - 8; i += 2) {
        const u = ld64(i);
        const h = hash7x2(u);
        tSet(hash4(<u32>u), i + cur);
        bPush(h, i + cur);
      }
      return emitRemainder(nextEmit, srcLen, n);
    }

    // Store every long hash in between and every second short one.
    for (let i = nextS + 1; i < s - 1; i += 2) {
      const u = ld64(i);
      const e = i + cur;
      const h = hash7x2(u);
      const h2 = hash7x2(u >> 8);
      tSet(hash4(<u32>u), e);
      bPush(h, e);
      bPush(h2, e + 1);
    }
    cv = ld64(s);
  }
  // biome-ignore lint/correctness/noUnreachable: the loop returns; AssemblyScript wants one here
  return n;
}

function ldi(base: usize, i: u32): u32 {
  return load<u32>(base + ((<usize>i) << 2));
}

/**
 * Go: writeTokens (huffman_bit_writer.go) for tokens[0, n) with the codes in LITPACK/OFFPACK,
 * continuing the bit buffer (bits, nbits < 16). Writes the completed bytes to OUT and returns
 * their count; the bits left over (fewer than 16) go to STATE[0], their count to STATE[1]. Go
 * buffers 64 bits and JavaScript 32; the byte stream is the same whatever the buffer size.
 */
export function writeTokens(n: i32, bitsIn: u32, nbitsIn: i32): i32 {
  let bits: u64 = <u64>bitsIn;
  let nbits: u64 = <u64>nbitsIn;
  let pos: usize = OUT;
  for (let i = 0; i < n; i++) {
    const t = load<u32>(TOKENS + ((<usize>i) << 2));
    if (t < MATCH_TYPE) {
      const c = ldi(LITPACK, t);
      bits |= (<u64>(c & 0xffff)) << nbits;
      nbits += <u64>(c >> 16);
    } else {
      // Length code and its extra bits: at most 15 + 5 bits.
      const xlength = (t - MATCH_TYPE) >> LENGTH_SHIFT;
      const lc = <u32>load<u8>(LCODES + <usize>xlength);
      const c = ldi(LITPACK, lc + 257);
      bits |= (<u64>(c & 0xffff)) << nbits;
      nbits += <u64>(c >> 16);
      const lx = ldi(LXBITS, lc);
      bits |= (<u64>(xlength - ldi(LBASE, lc))) << nbits;
      nbits += <u64>lx;
      if (nbits >= 32) {
        store<u32>(pos, <u32>bits);
        pos += 4;
        bits >>= 32;
        nbits -= 32;
      }
      // Distance code and its extra bits: at most 15 + 13 bits.
      const xoffset = t & ((1 << LENGTH_SHIFT) - 1);
      const oc = <u32>load<u8>(OCODES + <usize>xoffset);
      const d = ldi(OFFPACK, oc);
      bits |= (<u64>(d & 0xffff)) << nbits;
      nbits += <u64>(d >> 16);
      const ox = ldi(OXBITS, oc);
      bits |= (<u64>(xoffset - ldi(OBASE, oc))) << nbits;
      nbits += <u64>ox;
    }
    if (nbits >= 32) {
      store<u32>(pos, <u32>bits);
      pos += 4;
      bits >>= 32;
      nbits -= 32;
    }
  }
  while (nbits >= 16) {
    store<u16>(pos, <u16>bits);
    pos += 2;
    bits >>= 16;
    nbits -= 16;
  }
  store<u32>(STATE, <u32>bits);
  store<u32>(STATE + 4, <u32>nbits);
  return <i32>(pos - OUT);
}
