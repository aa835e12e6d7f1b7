import type { Transform } from 'node:stream';
import { constants, createGzip as zlibGzip } from 'node:zlib';
import { createGoGzip, type GoDeflate } from './deflate/index.js';

/**
 * Which gzip encoder builds the layer.
 * - `go1.26`: byte-identical to Go <= 1.26's compress/gzip at the default level (Flux <= 2.9);
 * - `go1.27`: byte-identical to Go 1.27's, whose compress/flate is a new encoder (Flux 2.10);
 *   see ./deflate/. Layer digests match Flux's only with the encoder of its Go line.
 * - `zlib`: Node's zlib at level 6; valid gzip, different bytes, faster.
 */
export type GzipKind = GoDeflate | 'zlib';

/** Returns a streaming gzip encoder; Go 1.26's unless asked otherwise. */
export function createGzip(kind: GzipKind = 'go1.26'): Transform {
  if (kind === 'zlib') return zlibGzip({ level: 6, strategy: constants.Z_DEFAULT_STRATEGY });
  return createGoGzip(kind);
}
