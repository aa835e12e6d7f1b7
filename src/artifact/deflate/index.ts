// Go-compatible gzip/deflate: ports of the default level (6) of Go 1.26's compress/flate (the
// lazy hash-chain matcher) and of Go 1.27's (the fast level-6 encoder), and of compress/gzip.
export { createGoGzip, type GoDeflate, GoGzipWriter, gzipSync } from './gzip-writer.js';
