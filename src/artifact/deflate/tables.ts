// Re-implementation of the constant tables of Go's compress/flate (token.go,
// huffman_bit_writer.go, huffman_code.go), Go 1.26, Copyright The Go Authors, BSD-3-Clause.
// The values themselves are those of RFC 1951 §3.2.5–3.2.7; lookup tables are derived from the
// bases instead of being copied.

/** Literal/length alphabet size (RFC 1951: 0–285). */
export const MAX_NUM_LIT = 286;
/** Distance alphabet size. */
export const OFFSET_CODE_COUNT = 30;
/** Code-length alphabet size. */
export const CODEGEN_CODE_COUNT = 19;
export const END_BLOCK_MARKER = 256;
export const LENGTH_CODES_START = 257;
/** End marker inside the codegen sequence. */
export const BAD_CODE = 255;

// Token packing (token.go): bit 30 set = match; bits 22..29 = length - 3; bits 0..21 =
// distance - 1. Literals are the byte value itself. The largest match token is < 2^31, so tokens
// fit in an Int32Array/Uint32Array without sign trouble.
export const MATCH_TYPE = 1 << 30;
export const LENGTH_SHIFT = 22;
export const OFFSET_MASK = (1 << LENGTH_SHIFT) - 1;

/** Extra bits per length code (code - 257). */
export const LENGTH_EXTRA_BITS = Uint8Array.of(
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  1,
  1,
  1,
  1,
  2,
  2,
  2,
  2,
  3,
  3,
  3,
  3,
  4,
  4,
  4,
  4,
  5,
  5,
  5,
  5,
  0,
);
/** Smallest (length - 3) of each length code. */
export const LENGTH_BASE = Uint16Array.of(
  0,
  1,
  2,
  3,
  4,
  5,
  6,
  7,
  8,
  10,
  12,
  14,
  16,
  20,
  24,
  28,
  32,
  40,
  48,
  56,
  64,
  80,
  96,
  112,
  128,
  160,
  192,
  224,
  255,
);
/** Extra bits per distance code. */
export const OFFSET_EXTRA_BITS = Uint8Array.of(
  0,
  0,
  0,
  0,
  1,
  1,
  2,
  2,
  3,
  3,
  4,
  4,
  5,
  5,
  6,
  6,
  7,
  7,
  8,
  8,
  9,
  9,
  10,
  10,
  11,
  11,
  12,
  12,
  13,
  13,
);
/** Smallest (distance - 1) of each distance code. */
export const OFFSET_BASE = Uint32Array.of(
  0x0000,
  0x0001,
  0x0002,
  0x0003,
  0x0004,
  0x0006,
  0x0008,
  0x000c,
  0x0010,
  0x0018,
  0x0020,
  0x0030,
  0x0040,
  0x0060,
  0x0080,
  0x00c0,
  0x0100,
  0x0180,
  0x0200,
  0x0300,
  0x0400,
  0x0600,
  0x0800,
  0x0c00,
  0x1000,
  0x1800,
  0x2000,
  0x3000,
  0x4000,
  0x6000,
);
/** The order in which code-length code lengths are sent (RFC 1951 §3.2.7). */
export const CODEGEN_ORDER = Uint8Array.of(
  16,
  17,
  18,
  0,
  8,
  7,
  9,
  6,
  10,
  5,
  11,
  4,
  12,
  3,
  13,
  2,
  14,
  1,
  15,
);

/** Length code (0..28) of each (length - 3), 0..255. */
export const LENGTH_CODES = new Uint8Array(256);
/** Distance code (0..29) of each (distance - 1), 0..32767. Go computes this with two 256-entry
 * lookups; a flat table gives the same answers with one load. */
export const OFFSET_CODES = new Uint8Array(1 << 15);

for (let code = 0, x = 0; x < 256; x++) {
  while (code + 1 < LENGTH_BASE.length && LENGTH_BASE[code + 1]! <= x) code++;
  LENGTH_CODES[x] = code;
}
for (let code = 0, x = 0; x < 1 << 15; x++) {
  while (code + 1 < OFFSET_BASE.length && OFFSET_BASE[code + 1]! <= x) code++;
  OFFSET_CODES[x] = code;
}

/** Reverses the low `n` bits of `v` (deflate sends Huffman codes most significant bit first). */
export function reverseBits(v: number, n: number): number {
  let r = 0;
  for (let i = 0; i < n; i++) {
    r = (r << 1) | ((v >>> i) & 1);
  }
  return r;
}
