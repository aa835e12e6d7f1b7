// CRC-32 (IEEE 802.3, as in gzip's trailer). Uses node:zlib's native crc32 when the runtime has
// it (Node >= 20.15 / 22.2), else a table-driven fallback.

import * as zlib from 'node:zlib';

type Crc32 = (data: Uint8Array, value: number) => number;

const TABLE = new Int32Array(256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  TABLE[n] = c;
}

/** Table-driven CRC-32, exported for tests. */
export function crc32Fallback(data: Uint8Array, value = 0): number {
  let c = ~value;
  for (let i = 0; i < data.length; i++) c = TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

const native = (zlib as { crc32?: Crc32 }).crc32;

/** Updates a CRC-32 with `data`; start with 0. */
export const crc32: Crc32 = native ? (d, v) => native(d, v) >>> 0 : crc32Fallback;
