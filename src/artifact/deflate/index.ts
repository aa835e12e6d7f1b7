// Go-compatible gzip/deflate (a port of Go 1.26's compress/flate default level and compress/gzip).
export { GoDeflateCompressor } from './compressor.js';
export { createGoGzip, GoGzipWriter, gzipSync } from './gzip-writer.js';
