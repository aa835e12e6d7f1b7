// Go-compatible gzip/deflate: ports of the default level (6) of Go 1.26's compress/flate (the
// lazy hash-chain matcher) and of Go 1.27's (the fast level-6 encoder), and of compress/gzip.
export { crc32 } from './crc32.js';
export { createDeflater, type Deflater } from './deflater.js';
export {
  createGoGzip,
  type GoDeflate,
  GoGzipWriter,
  GZIP_HEADER,
  gzipSync,
  gzipTrailer,
} from './gzip-writer.js';
