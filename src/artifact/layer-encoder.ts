// The gzip half of a layer build. Go's gzip is split in two: the deflate encoder (Deflater,
// deflate/deflater.ts), which may run on an encoder thread (layer-worker.ts), and the gzip
// framing, CRC-32, hashing and file writing (GzipFile), which stay on the build's thread. Both halves are the same code whichever
// thread deflates, so every path writes the same bytes as GoGzipWriter.
import { createHash } from 'node:crypto';
import { writeSync } from 'node:fs';
import { constants as Z, createGzip as zlibGzip } from 'node:zlib';
import { crc32, GZIP_HEADER, gzipTrailer } from './deflate/index.js';

export interface EncodedLayer {
  /** `sha256:<hex>` of the gzip stream. */
  readonly digest: string;
  readonly size: number;
}

/** Writes all of `data` to `fd` (a write may be short). */
function writeAll(fd: number, data: Uint8Array): void {
  for (let off = 0; off < data.length; ) off += writeSync(fd, data, off, data.length - off);
}

/**
 * Go's gzip framing around a deflate stream produced elsewhere, written to the open file `fd`
 * with its SHA-256. Synchronous, like the file reads: the build is CPU-bound.
 */
export class GzipFile {
  private readonly hash = createHash('sha256');
  private size = 0;
  private crc = 0;
  private isize = 0;

  constructor(private readonly fd: number) {
    this.output(GZIP_HEADER);
  }

  /** Uncompressed bytes, in order (for the trailer's CRC-32 and length). */
  input(data: Uint8Array): void {
    this.crc = crc32(data, this.crc);
    this.isize = (this.isize + data.length) >>> 0;
  }

  /** Deflate output, in order. */
  output(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.hash.update(chunk);
    this.size += chunk.length;
    writeAll(this.fd, chunk);
  }

  /** Writes the trailer; call once the deflate stream is complete. */
  end(): EncodedLayer {
    this.output(gzipTrailer(this.crc, this.isize));
    return { digest: `sha256:${this.hash.digest('hex')}`, size: this.size };
  }
}

/** Node's zlib at level 6 (valid gzip, other bytes; tests use it for speed): a stream, so async. */
export class ZlibFile {
  private readonly z = zlibGzip({ level: 6, strategy: Z.Z_DEFAULT_STRATEGY });
  private readonly hash = createHash('sha256');
  private size = 0;
  private failure: Error | null = null;
  private readonly ended: Promise<void>;

  constructor(private readonly fd: number) {
    this.z.on('data', (b: Buffer) => {
      if (this.failure) return;
      try {
        this.hash.update(b);
        this.size += b.length;
        writeAll(this.fd, b);
      } catch (err) {
        this.failure = err as Error;
      }
    });
    this.ended = new Promise((resolve, reject) => {
      this.z.on('end', resolve);
      this.z.on('error', reject);
    });
    this.ended.catch(() => {}); // surfaced by write()/end()
  }

  async write(data: Uint8Array): Promise<void> {
    if (this.failure) throw this.failure;
    // zlib keeps the chunk until it has read it: give it its own copy.
    if (!this.z.write(Buffer.from(data))) {
      await new Promise<void>((resolve, reject) => {
        const done = (err?: Error) => {
          this.z.off('drain', done);
          this.z.off('error', done);
          err ? reject(err) : resolve();
        };
        this.z.on('drain', done);
        this.z.on('error', done);
      });
    }
    if (this.failure) throw this.failure;
  }

  async end(): Promise<EncodedLayer> {
    this.z.end();
    await this.ended;
    if (this.failure) throw this.failure;
    return { digest: `sha256:${this.hash.digest('hex')}`, size: this.size };
  }
}
