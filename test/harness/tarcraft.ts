// Hand-made tar entries for hostile-artifact tests: whatever a well-behaved writer never emits
// (`..` names, absolute names, devices, huge PAX records, lying sizes). USTAR layout and checksum
// per POSIX.1-2001 (pax); PAX records "<len> key=value\n".
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';

export interface CraftEntry {
  name: string | Buffer;
  type?: string;
  data?: Buffer | string;
  /** Declared size when it should differ from the data; above 8 GiB it is written base-256. */
  size?: number;
  linkname?: string;
  mode?: number;
}

function header(e: CraftEntry, size: number): Buffer {
  const blk = Buffer.alloc(512);
  Buffer.from(e.name).copy(blk, 0, 0, 100);
  blk.write(`${(e.mode ?? 0o644).toString(8).padStart(7, '0')}\0`, 100, 'latin1');
  blk.write('0000000\0', 108, 'latin1');
  blk.write('0000000\0', 116, 'latin1');
  if (size < 8 ** 11) blk.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
  else {
    // GNU base-256: high bit set, big-endian in the remaining 11 bytes.
    let v = BigInt(size);
    for (let i = 135; i > 124; i--) {
      blk[i] = Number(v & 0xffn);
      v >>= 8n;
    }
    blk[124] = 0x80;
  }
  blk.write('00000000000\0', 136, 'latin1');
  blk.write(e.type ?? '0', 156, 'latin1');
  if (e.linkname) blk.write(e.linkname, 157, 100, 'utf8');
  blk.write('ustar\u000000', 257, 'latin1');
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : blk[i]!;
  blk.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return blk;
}

export function tarEntry(e: CraftEntry): Buffer {
  const data = Buffer.from(e.data ?? '');
  const pad = Buffer.alloc((512 - (data.length % 512)) % 512);
  return Buffer.concat([header(e, e.size ?? data.length), data, pad]);
}

/** One PAX record with its self-inclusive length. */
export function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let len = Buffer.byteLength(body) + 1;
  while (String(len).length + Buffer.byteLength(body) !== len)
    len = String(len).length + Buffer.byteLength(body);
  return `${len}${body}`;
}

export const END_OF_ARCHIVE = Buffer.alloc(1024);

export function craftTar(entries: CraftEntry[], { trailer = true } = {}): Buffer {
  return Buffer.concat([...entries.map(tarEntry), ...(trailer ? [END_OF_ARCHIVE] : [])]);
}

export function gz(tar: Buffer): Buffer {
  return gzipSync(tar);
}

export function sha256(b: Buffer): string {
  return `sha256:${createHash('sha256').update(b).digest('hex')}`;
}
