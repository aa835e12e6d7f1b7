// Re-implementation of Go's compress/gzip Writer (gzip.go, Go 1.26 and 1.27: unchanged), Copyright The Go Authors,
// BSD-3-Clause, as used by `flux push artifact`: gzip.NewWriter (default level), no name, no
// comment, zero ModTime, so the header is always 1f 8b 08 00 00000000 00 ff.

import { Transform, type TransformCallback } from 'node:stream';
import { GoDeflateCompressor } from './compressor.js';
import { GoFastDeflateCompressor } from './compressor-fast.js';
import { crc32 } from './crc32.js';

/** Go's gzip header for a Writer with no name, comment or ModTime. */
export const GZIP_HEADER: Uint8Array = Uint8Array.of(
  0x1f,
  0x8b,
  0x08,
  0x00,
  0,
  0,
  0,
  0,
  0x00,
  0xff,
);
const HEADER = GZIP_HEADER;

/** The gzip trailer: CRC-32 and length mod 2^32 of the uncompressed data, little-endian. */
export function gzipTrailer(crc: number, size: number): Uint8Array {
  const t = new Uint8Array(8);
  const dv = new DataView(t.buffer);
  dv.setUint32(0, crc >>> 0, true);
  dv.setUint32(4, size >>> 0, true);
  return t;
}
/** Feed input in pieces of at most this size so output is drained and memory stays bounded. */
const PIECE = 1 << 16;

/** Whose compress/flate default level to reproduce: Go <= 1.26's or Go 1.27's (a new encoder). */
export type GoDeflate = 'go1.26' | 'go1.27';

/** Incremental gzip encoder producing Go's exact bytes. Drain output with `take()`. */
export class GoGzipWriter {
  private readonly deflater: GoDeflateCompressor | GoFastDeflateCompressor;

  constructor(go: GoDeflate = 'go1.26') {
    this.deflater = go === 'go1.27' ? new GoFastDeflateCompressor() : new GoDeflateCompressor();
  }
  private digest = 0;
  private size = 0;
  private wroteHeader = false;
  private trailer: Uint8Array | null = null;

  write(data: Uint8Array): void {
    if (this.trailer) throw new Error('gzip: write after close');
    this.wroteHeader = true;
    this.size = (this.size + data.length) >>> 0; // ISIZE is the length mod 2^32
    this.digest = crc32(data, this.digest);
    this.deflater.write(data);
  }

  close(): void {
    if (this.trailer) return;
    this.wroteHeader = true;
    this.deflater.close();
    this.trailer = gzipTrailer(this.digest, this.size);
  }

  private headerTaken = false;
  private trailerTaken = false;

  /** Output produced so far (fresh buffers), in order; empty when nothing is pending. */
  take(): Uint8Array[] {
    const out: Uint8Array[] = [];
    if (this.wroteHeader && !this.headerTaken) {
      this.headerTaken = true;
      out.push(HEADER.slice());
    }
    if (this.deflater.pendingOutput > 0) out.push(this.deflater.take());
    if (this.trailer && !this.trailerTaken) {
      this.trailerTaken = true;
      out.push(this.trailer);
    }
    return out;
  }
}

/** Gzips `data` in one call; equals Go's gzip.NewWriter + Write(data) + Close(). */
export function gzipSync(data: Uint8Array, go: GoDeflate = 'go1.26'): Buffer {
  const gz = new GoGzipWriter(go);
  const parts: Uint8Array[] = [];
  for (let off = 0; off < data.length; off += PIECE) {
    gz.write(data.subarray(off, Math.min(off + PIECE, data.length)));
    parts.push(...gz.take());
  }
  gz.close();
  parts.push(...gz.take());
  return Buffer.concat(parts);
}

/**
 * A streaming gzip Transform with Go's exact output. Input is processed as it arrives; memory is
 * the window (64 KiB; Go 1.27: + 320 KiB history), the hash tables (~0.7 MiB) and at most one block of pending output.
 */
export function createGoGzip(go: GoDeflate = 'go1.26'): Transform {
  const gz = new GoGzipWriter(go);
  const pushAll = (t: Transform): void => {
    for (const b of gz.take()) t.push(b);
  };
  return new Transform({
    transform(chunk: Buffer | string, encoding: BufferEncoding, done: TransformCallback) {
      try {
        const data = typeof chunk === 'string' ? Buffer.from(chunk, encoding) : chunk;
        for (let off = 0; off < data.length; off += PIECE) {
          gz.write(data.subarray(off, Math.min(off + PIECE, data.length)));
          pushAll(this);
        }
        done();
      } catch (err) {
        done(err as Error);
      }
    },
    flush(done: TransformCallback) {
      try {
        gz.close();
        pushAll(this);
        done();
      } catch (err) {
        done(err as Error);
      }
    },
  });
}
