import { createGzip as zlibGzip, constants } from 'node:zlib';
import type { Transform } from 'node:stream';

/**
 * Which gzip encoder builds the layer.
 * - `go`: byte-identical to Go's compress/gzip at the default level (what `flux push artifact`
 *   produces); see ./deflate/.
 * - `zlib`: Node's zlib at level 6; valid gzip, different bytes.
 */
export type GzipKind = 'go' | 'zlib';

/** Returns a streaming gzip encoder. Until the Go-compatible encoder lands, both kinds use zlib. */
export function createGzip(kind: GzipKind = 'zlib'): Transform {
  void kind;
  return zlibGzip({ level: 6, strategy: constants.Z_DEFAULT_STRATEGY });
}
