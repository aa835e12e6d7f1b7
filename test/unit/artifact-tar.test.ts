import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  encodeHeader,
  paddingFor,
  paxRecord,
  splitUSTARPath,
  type TarHeader,
  TRAILER,
} from '../../src/artifact/tar.js';

const b = (s: string) => Buffer.from(s, 'utf8');
const field = (blk: Buffer, off: number, len: number) => blk.toString('latin1', off, off + len);
const hdr = (name: string, over: Partial<TarHeader> = {}): TarHeader => ({
  name: b(name),
  type: 'file',
  mode: 0o644,
  size: 0,
  ...over,
});

/** The checksum as POSIX defines it: unsigned byte sum with the field read as 8 spaces. */
function expectedChecksum(blk: Buffer): string {
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : blk[i]!;
  return `${sum.toString(8).padStart(6, '0')}\0 `;
}

test('USTAR header fields: octal + NUL, zero ids and times, magic, checksum', () => {
  const blk = encodeHeader(hdr('.', { type: 'dir', mode: 0o755 }));
  assert.equal(blk.length, 512);
  assert.equal(field(blk, 0, 2), '.\0');
  assert.equal(field(blk, 100, 8), '0000755\0');
  assert.equal(field(blk, 108, 8), '0000000\0'); // uid
  assert.equal(field(blk, 116, 8), '0000000\0'); // gid
  assert.equal(field(blk, 124, 12), '00000000000\0'); // size
  assert.equal(field(blk, 136, 12), '00000000000\0'); // mtime: Unix epoch 0
  assert.equal(field(blk, 156, 1), '5');
  assert.equal(field(blk, 257, 8), 'ustar\u000000');
  assert.equal(field(blk, 265, 64), '\0'.repeat(64)); // uname, gname empty
  assert.equal(field(blk, 329, 16), '0000000\u00000000000\0'); // devmajor, devminor
  assert.equal(field(blk, 345, 167), '\0'.repeat(167)); // no prefix
  assert.equal(field(blk, 148, 8), expectedChecksum(blk));
  // The research notes' root header of a 0755 dir has checksum 007263.
  assert.equal(field(blk, 148, 8), '007263\0 ');
});

test('mode keeps setuid/setgid/sticky, never file-type bits; size in octal', () => {
  const blk = encodeHeader(hdr('f', { mode: 0o2775, size: 1234567 }));
  assert.equal(field(blk, 100, 8), '0002775\0');
  assert.equal(field(blk, 124, 12), `${(1234567).toString(8).padStart(11, '0')}\0`);
  assert.equal(field(blk, 156, 1), '0');
  assert.equal(field(blk, 148, 8), expectedChecksum(blk));
  assert.equal(field(encodeHeader(hdr('s', { mode: 0o7777 })), 100, 8), '0007777\0');
});

test('a 100-byte name fills the field with no NUL terminator', () => {
  const name = 'n'.repeat(100);
  const blk = encodeHeader(hdr(name));
  assert.equal(blk.length, 512);
  assert.equal(field(blk, 0, 100), name);
  assert.equal(field(blk, 100, 8), '0000644\0');
});

test('USTAR prefix split: at the last slash that keeps prefix ≤ 155 and name ≤ 100', () => {
  const at = (name: string) => splitUSTARPath(b(name))?.map((x) => x.toString());
  assert.equal(at('a'.repeat(100)), undefined); // fits, no split needed
  assert.deepEqual(at(`${'p'.repeat(155)}/${'n'.repeat(100)}`), ['p'.repeat(155), 'n'.repeat(100)]);
  assert.equal(at(`${'p'.repeat(156)}/n`), undefined); // prefix too long
  assert.equal(at(`p/${'n'.repeat(101)}`), undefined); // name too long
  assert.equal(at('n'.repeat(101)), undefined); // no slash
  assert.equal(at(`/${'n'.repeat(100)}`), undefined); // empty prefix
  assert.equal(at(`${'ł'.repeat(60)}/x`), undefined); // non-ASCII never splits
  // Splits at the last usable slash, not the first.
  assert.deepEqual(at(`${'a'.repeat(60)}/${'b'.repeat(60)}/c`), [
    `${'a'.repeat(60)}/${'b'.repeat(60)}`,
    'c',
  ]);
  const blk = encodeHeader(hdr(`${'p'.repeat(155)}/${'n'.repeat(100)}`));
  assert.equal(blk.length, 512, 'stays a single USTAR header');
  assert.equal(field(blk, 345, 155), 'p'.repeat(155));
  assert.equal(field(blk, 0, 100), 'n'.repeat(100));
});

test('PAX record length counts its own digits, across every digit boundary', () => {
  for (let len = 0; len < 1100; len++) {
    const rec = paxRecord('path', Buffer.alloc(len, 0x61));
    const space = rec.indexOf(0x20);
    assert.equal(Number(rec.toString('latin1', 0, space)), rec.length, `value length ${len}`);
    assert.equal(rec.toString('latin1', space, space + 6), ' path=');
    assert.equal(rec[rec.length - 1], 0x0a);
  }
  // " path=" + value + "\n" is 97 bytes for 90 x's → "99 …"; one more byte would make 100 with
  // two digits, but the length field then needs three, so the record is 101 long.
  assert.equal(paxRecord('path', b('x'.repeat(90))).toString('latin1', 0, 3), '99 ');
  assert.equal(paxRecord('path', b('x'.repeat(91))).toString('latin1', 0, 4), '101 ');
});

/** Splits the PAX form into its extended header, records and main header. */
function paxParts(out: Buffer) {
  const xhdr = out.subarray(0, 512);
  const size = Number.parseInt(field(xhdr, 124, 11), 8);
  const dataBlocks = Math.ceil(size / 512);
  return {
    xhdr,
    data: out.subarray(512, 512 + size),
    main: out.subarray(512 + dataBlocks * 512),
    total: out.length,
    dataBlocks,
  };
}

test('non-ASCII name → PaxHeaders.0 entry with the UTF-8 path, ASCII-only main name', () => {
  const out = encodeHeader(hdr('ünï/ç.yaml', { size: 3 }));
  const p = paxParts(out);
  assert.equal(p.total, 512 * (2 + p.dataBlocks));
  const cstr = (x: Buffer) => x.toString('latin1', 0, x.indexOf(0));
  assert.equal(cstr(p.xhdr.subarray(0, 100)), 'n/PaxHeaders.0/.yaml');
  assert.equal(field(p.xhdr, 156, 1), 'x');
  assert.equal(field(p.xhdr, 100, 8), '0000000\0');
  assert.equal(field(p.xhdr, 329, 16), '\0'.repeat(16), 'Go leaves devmajor/minor empty here');
  assert.equal(field(p.xhdr, 148, 8), expectedChecksum(p.xhdr));
  assert.equal(p.data.toString('utf8'), `${p.data.length} path=ünï/ç.yaml\n`);
  assert.equal(cstr(p.main.subarray(0, 100)), 'n/.yaml');
  assert.equal(field(p.main, 124, 12), '00000000003\0');
  assert.equal(field(p.main, 148, 8), expectedChecksum(p.main));
});

test('unsplittable long ASCII name → PAX; header names truncated to 100 bytes', () => {
  const name = `${'u'.repeat(200)}/${'v'.repeat(200)}`;
  const p = paxParts(encodeHeader(hdr(name)));
  assert.match(p.data.toString(), new RegExp(`^\\d+ path=${name}\\n$`));
  assert.equal(field(p.xhdr, 0, 100), 'u'.repeat(100));
  assert.equal(field(p.main, 0, 100), 'u'.repeat(100));
});

test('truncated names never end in "/" (Go NUL-terminates before trailing slashes)', () => {
  // ASCII form: 99 w + '/xx' → 102 bytes, cut at 100 would end in '/'.
  const p = paxParts(encodeHeader(hdr(`${'w'.repeat(99)}/üxx`)));
  assert.equal(field(p.main, 0, 100), `${'w'.repeat(99)}\0`);
  // Exactly 100 bytes is not truncated, so its final '/' stays (as in Go).
  const q = paxParts(encodeHeader(hdr(`${'w'.repeat(99)}/üüü`)));
  assert.equal(field(q.main, 0, 100), `${'w'.repeat(99)}/`);
  // The extended header's own name is cut to 100 bytes and loses trailing slashes.
  const r = paxParts(encodeHeader(hdr(`${'a'.repeat(86)}/ü`)));
  assert.equal(field(r.xhdr, 0, 100), `${'a'.repeat(86)}/PaxHeaders.0\0`);
});

test('files of 8 GiB and more get a PAX size record and a zero octal size', () => {
  const size = 8 * 1024 ** 3;
  const p = paxParts(encodeHeader(hdr('big.bin', { size })));
  assert.equal(p.data.toString(), `${p.data.length} size=${size}\n`);
  assert.equal(field(p.main, 124, 12), '00000000000\0');
  assert.equal(field(p.main, 0, 8), 'big.bin\0');
  // Just below the limit stays USTAR.
  const fits = encodeHeader(hdr('big.bin', { size: size - 1 }));
  assert.equal(fits.length, 512);
  assert.equal(field(fits, 124, 12), '77777777777\0');
  // Both records, sorted by key, when name and size both need PAX.
  const both = paxParts(encodeHeader(hdr(`p/${'n'.repeat(120)}`, { size })));
  assert.match(both.data.toString(), /^\d+ path=p\/n+\n\d+ size=8589934592\n$/);
});

test('padding and trailer: data to a 512 multiple, two zero blocks, no record padding', () => {
  assert.equal(paddingFor(0), 0);
  assert.equal(paddingFor(1), 511);
  assert.equal(paddingFor(512), 0);
  assert.equal(paddingFor(513), 511);
  assert.equal(TRAILER.length, 1024);
  assert.ok(TRAILER.every((c) => c === 0));
});
