import type { Transform } from 'node:stream';
import { constants, createGzip as zlibGzip } from 'node:zlib';
import { createGoGzip } from './deflate/index.js';

/**
 * Which gzip encoder builds the layer.
 * - `go`: byte-identical to Go's compress/gzip at the default level (what `flux push artifact`
 *   produces, so layer digests match Flux's); see ./deflate/.
 * - `zlib`: Node's zlib at level 6; valid gzip, different bytes, faster.
 */
export type GzipKind = 'go' | 'zlib';

/** Returns a streaming gzip encoder; `go` unless asked otherwise. */
export function createGzip(kind: GzipKind = 'go'): Transform {
  if (kind === 'go') return createGoGzip();
  return zlibGzip({ level: 6, strategy: constants.Z_DEFAULT_STRATEGY });
}

export { gzipSync as goGzipSync } from './deflate/index.js';
