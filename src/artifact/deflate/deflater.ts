// Either Go line's raw deflate encoder at the default level, behind one interface (the layer
// build runs it on its encoder thread, src/artifact/layer-worker.ts, or on its own thread).
import { GoDeflateCompressor } from './compressor.js';
import { GoFastDeflateCompressor } from './compressor-fast.js';
import type { GoDeflate } from './gzip-writer.js';

export interface Deflater {
  write(data: Uint8Array): void;
  close(): void;
  /** Output so far, in a fresh buffer. */
  take(): Uint8Array;
  readonly pendingOutput: number;
}

export function createDeflater(go: GoDeflate): Deflater {
  return go === 'go1.27' ? new GoFastDeflateCompressor() : new GoDeflateCompressor();
}
