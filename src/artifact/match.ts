// Go's path/filepath.Match (Unix flavour), re-implemented from Go's source
// (go/src/path/filepath/match.go and unicode/utf8, BSD-3-Clause, The Go Authors).
// It works on bytes, not JS strings, because Go's `*` advances byte by byte and may
// resume matching in the middle of a multi-byte rune; only a byte-level port gives the
// same answers for non-ASCII names (and for names that are not valid UTF-8).

const RUNE_ERROR = 0xfffd;
const SLASH = 0x2f;
const BACKSLASH = 0x5c;

class BadPattern extends Error {}

/** utf8.DecodeRune: the rune at `b[i]` and its width; invalid input → (U+FFFD, 1). */
export function decodeRune(b: Uint8Array, i: number): [rune: number, width: number] {
  const n = b.length - i;
  if (n <= 0) return [RUNE_ERROR, 0];
  const c0 = b[i]!;
  if (c0 < 0x80) return [c0, 1];
  // Lead byte → sequence length and the accepted range of the second byte.
  let size: number;
  let lo = 0x80;
  let hi = 0xbf;
  if (c0 >= 0xc2 && c0 <= 0xdf) size = 2;
  else if (c0 >= 0xe0 && c0 <= 0xef) {
    size = 3;
    if (c0 === 0xe0) lo = 0xa0;
    else if (c0 === 0xed) hi = 0x9f; // no UTF-16 surrogates
  } else if (c0 >= 0xf0 && c0 <= 0xf4) {
    size = 4;
    if (c0 === 0xf0) lo = 0x90;
    else if (c0 === 0xf4) hi = 0x8f;
  } else return [RUNE_ERROR, 1];
  if (n < size) return [RUNE_ERROR, 1];
  const c1 = b[i + 1]!;
  if (c1 < lo || c1 > hi) return [RUNE_ERROR, 1];
  if (size === 2) return [((c0 & 0x1f) << 6) | (c1 & 0x3f), 2];
  const c2 = b[i + 2]!;
  if (c2 < 0x80 || c2 > 0xbf) return [RUNE_ERROR, 1];
  if (size === 3) return [((c0 & 0x0f) << 12) | ((c1 & 0x3f) << 6) | (c2 & 0x3f), 3];
  const c3 = b[i + 3]!;
  if (c3 < 0x80 || c3 > 0xbf) return [RUNE_ERROR, 1];
  return [((c0 & 0x07) << 18) | ((c1 & 0x3f) << 12) | ((c2 & 0x3f) << 6) | (c3 & 0x3f), 4];
}

/** filepath.Match(pattern, name); a malformed pattern never matches (Go returns an error). */
export function goMatch(pattern: Uint8Array, name: Uint8Array): boolean {
  try {
    return match(pattern, name);
  } catch (err) {
    if (err instanceof BadPattern) return false;
    throw err;
  }
}

/** Whether `b` holds none of Match's special bytes (`*`, `?`, `[`, `\\`). */
function isLiteral(b: Uint8Array, from: number): boolean {
  for (let i = from; i < b.length; i++) {
    const c = b[i];
    if (c === 0x2a || c === 0x3f || c === 0x5b || c === BACKSLASH) return false;
  }
  return true;
}

function endsWith(name: Uint8Array, suffix: Uint8Array, from: number): boolean {
  const off = name.length - (suffix.length - from);
  if (off < 0) return false;
  for (let i = from; i < suffix.length; i++) if (name[off + i - from] !== suffix[i]) return false;
  return true;
}

/**
 * goMatch for one pattern, specialised for the shapes ignore lists are made of (issue 10: the
 * walk matches every entry against every pattern): a literal (no special byte) matches only the
 * same bytes; `*` + literal matches a name that ends with the literal and has no `/` before it
 * (Match's star never crosses a separator). Anything else runs the full matcher.
 */
export function compileMatch(pattern: Uint8Array): (name: Uint8Array) => boolean {
  if (isLiteral(pattern, 0)) {
    return (name) => name.length === pattern.length && endsWith(name, pattern, 0);
  }
  if (pattern.length > 1 && pattern[0] === 0x2a && isLiteral(pattern, 1)) {
    return (name) => {
      if (!endsWith(name, pattern, 1)) return false;
      const end = name.length - (pattern.length - 1);
      for (let i = 0; i < end; i++) if (name[i] === SLASH) return false;
      return true;
    };
  }
  return (name) => goMatch(pattern, name);
}

function match(pattern: Uint8Array, name: Uint8Array): boolean {
  let p = 0;
  let n = 0;
  chunks: while (p < pattern.length) {
    const { star, chunkStart, chunkEnd } = scanChunk(pattern, p);
    p = chunkEnd;
    const last = p >= pattern.length;
    if (star && chunkStart === chunkEnd) {
      // A trailing * matches the rest of the name unless it has a separator.
      return name.indexOf(SLASH, n) === -1;
    }
    const chunk = pattern.subarray(chunkStart, chunkEnd);
    const t = matchChunk(chunk, name, n);
    if (t >= 0 && (t === name.length || !last)) {
      n = t;
      continue;
    }
    if (star) {
      // Retry after skipping 1, 2, … bytes (never a separator).
      for (let i = n; i < name.length && name[i] !== SLASH; i++) {
        const t2 = matchChunk(chunk, name, i + 1);
        if (t2 >= 0) {
          if (last && t2 < name.length) continue;
          n = t2;
          continue chunks;
        }
      }
    }
    return false;
  }
  return n === name.length;
}

/** Splits off the next chunk: leading stars, then literal text up to the next unbracketed `*`. */
function scanChunk(
  pattern: Uint8Array,
  start: number,
): { star: boolean; chunkStart: number; chunkEnd: number } {
  let i = start;
  let star = false;
  while (i < pattern.length && pattern[i] === 0x2a) {
    i++;
    star = true;
  }
  const chunkStart = i;
  let inrange = false;
  for (; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === BACKSLASH) {
      if (i + 1 < pattern.length) i++;
    } else if (c === 0x5b) inrange = true;
    else if (c === 0x5d) inrange = false;
    else if (c === 0x2a && !inrange) return { star, chunkStart, chunkEnd: i };
  }
  return { star, chunkStart, chunkEnd: pattern.length };
}

/**
 * Matches `chunk` against `s` from offset `si`; returns the offset after the match or -1.
 * Like Go, it keeps parsing the chunk after a failure so that syntax errors still surface.
 */
function matchChunk(chunk: Uint8Array, s: Uint8Array, si: number): number {
  let failed = false;
  let c = 0;
  while (c < chunk.length) {
    failed = failed || si >= s.length;
    const ch = chunk[c]!;
    if (ch === 0x5b) {
      // Character class.
      let r = 0;
      if (!failed) {
        const [rr, w] = decodeRune(s, si);
        r = rr;
        si += w;
      }
      c++;
      let negated = false;
      if (c < chunk.length && chunk[c] === 0x5e) {
        negated = true;
        c++;
      }
      let matched = false;
      let nrange = 0;
      for (;;) {
        if (c < chunk.length && chunk[c] === 0x5d && nrange > 0) {
          c++;
          break;
        }
        const [lo, c1] = getEsc(chunk, c);
        c = c1;
        let hi = lo;
        if (chunk[c] === 0x2d) {
          const [h, c2] = getEsc(chunk, c + 1);
          hi = h;
          c = c2;
        }
        matched = matched || (lo <= r && r <= hi);
        nrange++;
      }
      failed = failed || matched === negated;
    } else if (ch === 0x3f) {
      if (!failed) {
        failed = s[si] === SLASH;
        si += decodeRune(s, si)[1];
      }
      c++;
    } else {
      if (ch === BACKSLASH) {
        c++;
        if (c >= chunk.length) throw new BadPattern();
      }
      if (!failed) {
        failed = chunk[c] !== s[si];
        si++;
      }
      c++;
    }
  }
  return failed ? -1 : si;
}

/** One (possibly escaped) rune of a character class; the class must continue after it. */
function getEsc(chunk: Uint8Array, c: number): [rune: number, next: number] {
  if (c >= chunk.length || chunk[c] === 0x2d || chunk[c] === 0x5d) throw new BadPattern();
  if (chunk[c] === BACKSLASH) {
    c++;
    if (c >= chunk.length) throw new BadPattern();
  }
  const [r, w] = decodeRune(chunk, c);
  if (r === RUNE_ERROR && w === 1) throw new BadPattern();
  if (c + w >= chunk.length) throw new BadPattern();
  return [r, c + w];
}
