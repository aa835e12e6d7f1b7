// Tar header bytes exactly as Go's archive/tar Writer emits them for the headers Flux writes
// (regular files and directories, uid/gid 0, empty user/group names, zero times). Re-implemented
// from Go's source (go/src/archive/tar/writer.go, format.go, strconv.go, common.go;
// BSD-3-Clause, The Go Authors); see NOTICE.

const BLOCK = 512;
const NAME_SIZE = 100;
const PREFIX_SIZE = 155;
/** Largest size an 11-digit octal field holds; bigger files need a PAX `size` record. */
const MAX_OCTAL_SIZE = 8 ** 11 - 1;

export type EntryType = 'file' | 'dir';

export interface TarHeader {
  /** Path relative to the root, `/`-separated, no trailing slash; `.` for the root. */
  readonly name: Uint8Array;
  readonly type: EntryType;
  /** Permission bits plus setuid/setgid/sticky (no file-type bits). */
  readonly mode: number;
  /** Content length; 0 for directories. */
  readonly size: number;
}

/** The archive trailer: two zero blocks, no padding to a record (Go does not pad). */
export const TRAILER: Buffer = Buffer.alloc(2 * BLOCK);

export function paddingFor(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}

function isASCII(b: Uint8Array): boolean {
  for (const c of b) if (c >= 0x80) return false;
  return true;
}

/** Go's toASCII: drops every byte of a non-ASCII rune (and NULs). */
function toASCII(b: Uint8Array): Uint8Array {
  if (isASCII(b) && !b.includes(0)) return b;
  return b.filter((c) => c < 0x80 && c !== 0);
}

/** splitUSTARPath: a prefix ≤ 155 and a name ≤ 100 bytes split at a `/`, ASCII only. */
export function splitUSTARPath(name: Uint8Array): [prefix: Uint8Array, suffix: Uint8Array] | null {
  let length = name.length;
  if (length <= NAME_SIZE || !isASCII(name)) return null;
  if (length > PREFIX_SIZE + 1) length = PREFIX_SIZE + 1;
  else if (name[length - 1] === 0x2f) length--;
  const i = name.subarray(0, length).lastIndexOf(0x2f);
  const nlen = name.length - i - 1;
  const plen = i;
  if (i <= 0 || nlen > NAME_SIZE || nlen === 0 || plen > PREFIX_SIZE) return null;
  return [name.subarray(0, i), name.subarray(i + 1)];
}

/** formatter.formatString: copy, NUL-terminate when shorter than the field. */
function putString(blk: Buffer, off: number, len: number, s: Uint8Array): void {
  blk.set(s.subarray(0, len), off);
  if (s.length < len) blk[off + s.length] = 0;
  // Go avoids a trailing slash in a truncated field (buggy readers take it for a directory).
  if (s.length > len && blk[off + len - 1] === 0x2f) {
    let n = len - 1;
    while (n > 0 && s[n - 1] === 0x2f) n--;
    blk[off + n] = 0;
  }
}

/** formatter.formatOctal: zero-padded octal leaving room for a NUL; 0 when it does not fit. */
function putOctal(blk: Buffer, off: number, len: number, x: number): void {
  const fits = x >= 0 && (len >= 22 || x < 8 ** (len - 1));
  const s = (fits ? x : 0).toString(8).padStart(len - 1, '0');
  putString(blk, off, len, Buffer.from(s, 'latin1'));
}

/** Sets the USTAR magic/version and the checksum (6 octal digits, NUL, space). */
function finish(blk: Buffer): void {
  blk.write('ustar\u000000', 257, 'latin1');
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : blk[i]!;
  putOctal(blk, 148, 7, sum);
  blk[155] = 0x20;
}

/** templateV7Plus with Flux's sanitised values. */
function template(name: Uint8Array, typeflag: number, mode: number, size: number): Buffer {
  const blk = Buffer.alloc(BLOCK);
  blk[156] = typeflag;
  putString(blk, 0, 100, name);
  putOctal(blk, 100, 8, mode);
  putOctal(blk, 108, 8, 0); // uid
  putOctal(blk, 116, 8, 0); // gid
  putOctal(blk, 124, 12, size);
  putOctal(blk, 136, 12, 0); // mtime: the zero time is written as Unix epoch 0
  // uname/gname (265, 297) stay empty.
  putOctal(blk, 329, 8, 0); // devmajor
  putOctal(blk, 337, 8, 0); // devminor
  return blk;
}

/**
 * The constant fields of every USTAR header Flux writes (uid, gid, mtime, devmajor, devminor as
 * `template` writes them, the magic), and their checksum contribution with the checksum field
 * read as spaces. A tree of small files writes one header per file, so the common header is
 * filled in place from this copy: no per-field strings or buffers (issue 10: the build of 500
 * small files spent ~30% of its CPU on headers).
 */
const USTAR_BASE = (() => {
  const blk = template(new Uint8Array(0), 0, 0, 0);
  blk.fill(0, 100, 108); // mode and size are written per header
  blk.fill(0, 124, 136);
  blk.write('ustar\u000000', 257, 'latin1');
  return blk;
})();
const USTAR_BASE_SUM = (() => {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : USTAR_BASE[i]!;
  return sum;
})();

/** Zero-padded octal of `x` in `digits` digits at `off`; returns the digits' byte sum. */
function octalDigits(blk: Buffer, off: number, digits: number, x: number): number {
  let sum = 0;
  for (let i = digits - 1; i >= 0; i--) {
    const d = x % 8;
    blk[off + i] = 0x30 + d;
    sum += 0x30 + d;
    x = (x - d) / 8;
  }
  return sum;
}

/**
 * `template` + `putString(prefix)` + `finish` for a name ≤ 100 bytes, a prefix ≤ 155 bytes and a
 * size that fits 11 octal digits (so no field is truncated): the same bytes, written in place.
 */
function ustarHeader(
  name: Uint8Array,
  prefix: Uint8Array | undefined,
  typeflag: number,
  mode: number,
  size: number,
): Buffer {
  const blk = Buffer.allocUnsafe(BLOCK);
  USTAR_BASE.copy(blk);
  let sum = USTAR_BASE_SUM + typeflag;
  blk[156] = typeflag;
  blk.set(name, 0);
  for (let i = 0; i < name.length; i++) sum += name[i]!;
  if (prefix) {
    blk.set(prefix, 345);
    for (let i = 0; i < prefix.length; i++) sum += prefix[i]!;
  }
  sum += octalDigits(blk, 100, 7, mode < 8 ** 7 ? mode : 0);
  sum += octalDigits(blk, 124, 11, size);
  octalDigits(blk, 148, 6, sum);
  blk[154] = 0;
  blk[155] = 0x20;
  return blk;
}

/** formatPAXRecord: "<len> key=value\n" where len counts its own digits. */
export function paxRecord(key: string, value: Uint8Array): Buffer {
  const body = Buffer.concat([Buffer.from(` ${key}=`), value, Buffer.from('\n')]);
  let size = body.length;
  size += String(size).length;
  if (String(size).length + body.length !== size) size = String(size).length + body.length;
  return Buffer.concat([Buffer.from(String(size)), body]);
}

const TYPE_REG = 0x30;
const TYPE_DIR = 0x35;
const TYPE_PAX = 0x78;

/**
 * The bytes Go's tar.Writer.WriteHeader emits for this header: a USTAR header (splitting long
 * ASCII names into prefix + name), or a PAX extended header entry (`PaxHeaders.0`) carrying
 * `path` / `size` records followed by the main header.
 */
export function encodeHeader(h: TarHeader): Buffer {
  const typeflag = h.type === 'dir' ? TYPE_DIR : TYPE_REG;
  const nameFits = h.name.length <= NAME_SIZE && isASCII(h.name);
  const split = nameFits ? null : splitUSTARPath(h.name);
  const sizeFits = h.size <= MAX_OCTAL_SIZE;

  if ((nameFits || split) && sizeFits) {
    return split
      ? ustarHeader(split[1], split[0], typeflag, h.mode, h.size)
      : ustarHeader(h.name, undefined, typeflag, h.mode, h.size);
  }

  // PAX: records sorted by key ("path" < "size"). Go records any long or non-ASCII name, even
  // one USTAR could have split, once the header needs PAX anyway.
  const records: Buffer[] = [];
  if (!nameFits) records.push(paxRecord('path', h.name));
  if (!sizeFits) records.push(paxRecord('size', Buffer.from(String(h.size))));
  const data = Buffer.concat(records);

  // Extended header name: path.Join(dir, "PaxHeaders.0", base), made ASCII, ≤ 100 bytes,
  // trailing slashes trimmed. Flux names have no empty, "." or ".." components, so Join
  // needs no cleaning here.
  const slash = h.name.lastIndexOf(0x2f);
  const dir = h.name.subarray(0, slash + 1);
  const base = h.name.subarray(slash + 1);
  let xname = toASCII(Buffer.concat([dir, Buffer.from('PaxHeaders.0/'), base]));
  if (xname.length > NAME_SIZE) xname = xname.subarray(0, NAME_SIZE);
  let end = xname.length;
  while (end > 0 && xname[end - 1] === 0x2f) end--;
  xname = xname.subarray(0, end);

  const xblk = Buffer.alloc(BLOCK);
  xblk[156] = TYPE_PAX;
  putString(xblk, 0, 100, xname);
  putOctal(xblk, 100, 8, 0);
  putOctal(xblk, 108, 8, 0);
  putOctal(xblk, 116, 8, 0);
  putOctal(xblk, 124, 12, data.length);
  putOctal(xblk, 136, 12, 0);
  finish(xblk); // devmajor/devminor stay zero bytes in Go's writeRawFile

  // Main header: string fields made ASCII; a size too big for octal is written as 0.
  const blk = template(toASCII(h.name), typeflag, h.mode, sizeFits ? h.size : 0);
  finish(blk);
  return Buffer.concat([xblk, data, Buffer.alloc(paddingFor(data.length)), blk]);
}
