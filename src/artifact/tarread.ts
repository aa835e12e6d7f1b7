// A small streaming tar reader: USTAR, PAX (local `path`/`linkpath`/`size` records) and GNU
// long names, checksums verified. Enough to read Flux artifacts and anything common tools make;
// sparse files and other exotic types are reported with their typeflag for the caller to reject.

interface TarEntry {
  /** Full name as bytes (PAX `path` or GNU long name applied; USTAR prefix joined). */
  readonly name: Buffer;
  /** The raw typeflag character, e.g. '0', '5', '2'. `\0` is reported as '0'. */
  readonly typeflag: string;
  readonly mode: number;
  readonly size: number;
  readonly linkname: Buffer;
  /** Seconds since the epoch. */
  readonly mtime: number;
}

export class TarFormatError extends Error {
  override readonly name = 'TarFormatError';
}

const BLOCK = 512;
/** Go's maxSpecialFileSize: PAX and GNU long-name payloads are capped at 1 MiB. */
const MAX_SPECIAL = 1 << 20;

/** Pulls exact byte counts out of an async stream of chunks. */
class ByteQueue {
  private chunks: Buffer[] = [];
  private length = 0;
  private done = false;
  constructor(private readonly it: AsyncIterator<Buffer | Uint8Array | string>) {}

  private async fill(n: number): Promise<boolean> {
    while (this.length < n && !this.done) {
      const r = await this.it.next();
      if (r.done) this.done = true;
      else {
        const b = Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value as Uint8Array);
        if (b.length > 0) {
          this.chunks.push(b);
          this.length += b.length;
        }
      }
    }
    return this.length >= n;
  }

  /** Exactly n bytes, or null at a clean end of stream (no bytes at all). */
  async read(n: number): Promise<Buffer | null> {
    if (!(await this.fill(n))) {
      if (this.length === 0) return null;
      throw new TarFormatError('unexpected end of tar stream');
    }
    return this.take(n);
  }

  private take(n: number): Buffer {
    const first = this.chunks[0]!;
    if (first.length >= n) {
      const out = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      this.length -= n;
      return out;
    }
    const out = Buffer.allocUnsafe(n);
    let off = 0;
    while (off < n) {
      const c = this.chunks[0]!;
      const k = Math.min(c.length, n - off);
      c.copy(out, off, 0, k);
      off += k;
      if (k === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(k);
    }
    this.length -= n;
    return out;
  }

  /** Streams n bytes as they arrive. */
  async *stream(n: number): AsyncGenerator<Buffer> {
    let left = n;
    while (left > 0) {
      if (this.length === 0 && !(await this.fill(1))) {
        throw new TarFormatError('unexpected end of tar stream');
      }
      const k = Math.min(left, this.chunks[0]!.length);
      left -= k;
      yield this.take(k);
    }
  }

  /** Reads the source to its end (so that upstream checks such as gzip's CRC still run). */
  async drain(): Promise<void> {
    this.chunks = [];
    this.length = 0;
    while (!this.done) if ((await this.it.next()).done) this.done = true;
  }

  async skip(n: number): Promise<void> {
    for await (const _ of this.stream(n)) {
      // discard
    }
  }
}

function cstring(b: Buffer): Buffer {
  const z = b.indexOf(0);
  return z === -1 ? b : b.subarray(0, z);
}

/** Octal (leading spaces/NULs allowed) or GNU base-256 numbers. */
function parseNumeric(b: Buffer): number {
  if (b.length > 0 && (b[0]! & 0x80) !== 0) {
    if (b[0] === 0xff) throw new TarFormatError('negative number in tar header');
    let x = b[0]! & 0x7f;
    for (let i = 1; i < b.length; i++) {
      x = x * 256 + b[i]!;
      if (x > Number.MAX_SAFE_INTEGER) throw new TarFormatError('number too large in tar header');
    }
    return x;
  }
  const s = b.toString('latin1').replace(/\0.*$/s, '').trim();
  if (s === '') return 0;
  if (!/^[0-7]+$/.test(s)) throw new TarFormatError('invalid octal number in tar header');
  return Number.parseInt(s, 8);
}

function checksumOK(blk: Buffer): boolean {
  const want = parseNumeric(blk.subarray(148, 156));
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const c = i >= 148 && i < 156 ? 0x20 : blk[i]!;
    unsigned += c;
    signed += c > 127 ? c - 256 : c;
  }
  return want === unsigned || want === signed;
}

/** PAX records "<len> key=value\n"; lengths are validated like Go's parsePAXRecord. */
function parsePAX(data: Buffer): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  let off = 0;
  while (off < data.length) {
    const sp = data.indexOf(0x20, off);
    if (sp === -1) throw new TarFormatError('malformed PAX record');
    const lenStr = data.toString('latin1', off, sp);
    if (!/^[1-9][0-9]*$/.test(lenStr)) throw new TarFormatError('malformed PAX record length');
    const len = Number(lenStr);
    if (off + len > data.length || len <= sp - off + 1)
      throw new TarFormatError('malformed PAX record');
    const rec = data.subarray(sp + 1, off + len);
    if (rec[rec.length - 1] !== 0x0a) throw new TarFormatError('malformed PAX record');
    const eq = rec.indexOf(0x3d);
    if (eq <= 0) throw new TarFormatError('malformed PAX record');
    out.set(rec.toString('utf8', 0, eq), Buffer.from(rec.subarray(eq + 1, rec.length - 1)));
    off += len;
  }
  return out;
}

export interface TarReadItem extends TarEntry {
  /** The entry's content; must be consumed (or left alone) before asking for the next entry. */
  body(): AsyncGenerator<Buffer>;
}

/** Reads entries from an uncompressed tar stream. */
export async function* readTar(
  source: AsyncIterable<Buffer | Uint8Array | string>,
): AsyncGenerator<TarReadItem> {
  const q = new ByteQueue(source[Symbol.asyncIterator]());
  let pax = new Map<string, Buffer>();
  let longName: Buffer | undefined;
  let longLink: Buffer | undefined;
  for (;;) {
    const blk = await q.read(BLOCK);
    if (blk === null) return; // tolerated: stream ends without trailer
    if (blk.every((c) => c === 0)) {
      await q.drain(); // end-of-archive marker; ignore whatever follows
      return;
    }
    if (!checksumOK(blk)) throw new TarFormatError('tar header checksum mismatch');

    let typeflag = String.fromCharCode(blk[156]!);
    const size = parseNumeric(blk.subarray(124, 136));
    const magic = blk.toString('latin1', 257, 265);

    if (typeflag === 'x' || typeflag === 'g' || typeflag === 'L' || typeflag === 'K') {
      if (size > MAX_SPECIAL) throw new TarFormatError('tar extended header too large');
      const data = (await q.read(size)) ?? Buffer.alloc(0);
      await q.skip((BLOCK - (size % BLOCK)) % BLOCK);
      if (typeflag === 'x') pax = parsePAX(data);
      else if (typeflag === 'L') longName = cstring(data);
      else if (typeflag === 'K') longLink = cstring(data);
      // global headers ('g') carry nothing a Flux artifact needs
      continue;
    }

    let name = cstring(blk.subarray(0, 100));
    if (magic === 'ustar\u000000') {
      const prefix = cstring(blk.subarray(345, 500));
      if (prefix.length > 0) name = Buffer.concat([prefix, Buffer.from('/'), name]);
    }
    if (longName) name = longName;
    const paxPath = pax.get('path');
    if (paxPath) name = paxPath;
    let linkname = cstring(blk.subarray(157, 257));
    if (longLink) linkname = longLink;
    const paxLink = pax.get('linkpath');
    if (paxLink) linkname = paxLink;
    let realSize = size;
    const paxSize = pax.get('size');
    if (paxSize) {
      const s = paxSize.toString('latin1');
      if (!/^[0-9]+$/.test(s)) throw new TarFormatError('invalid PAX size');
      realSize = Number(s);
    }
    pax = new Map();
    longName = undefined;
    longLink = undefined;

    if (typeflag === '\0') typeflag = name[name.length - 1] === 0x2f ? '5' : '0';
    // Header-only types carry no data whatever size they claim.
    const dataSize = '1256'.includes(typeflag) ? 0 : realSize;
    const entry: TarEntry = {
      name,
      typeflag,
      mode: parseNumeric(blk.subarray(100, 108)) & 0o7777,
      size: dataSize,
      linkname,
      mtime: parseNumeric(blk.subarray(136, 148)),
    };
    let remaining = dataSize;
    const body = async function* (): AsyncGenerator<Buffer> {
      for await (const c of q.stream(remaining)) {
        remaining -= c.length;
        yield c;
      }
    };
    yield { ...entry, body };
    if (remaining > 0) await q.skip(remaining); // the caller did not read (all of) it
    await q.skip((BLOCK - (dataSize % BLOCK)) % BLOCK);
  }
}
