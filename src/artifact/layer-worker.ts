// The encoder thread of a layer build (started by layer-sink.ts): deflates tar batches with Go's
// encoder and hands back each batch's buffer (for reuse) with the output so far. Gzip framing,
// hashing and writing stay on the build's thread. Bundled as dist/layer-worker.js.
import { parentPort, workerData } from 'node:worker_threads';
import { createDeflater } from './deflate/deflater.js';
import type { GoDeflate } from './deflate/gzip-writer.js';

/** What the build's thread sends. */
export type ToEncoder = { batch: ArrayBuffer; length: number } | { end: true };
/** What this thread answers; `out`: deflate output, in order. */
export type FromEncoder =
  | { ready: true }
  | { free: ArrayBuffer; out: Uint8Array | null }
  | { done: Uint8Array }
  | { error: SerializedError };

/** An error as data: what the build's thread needs to throw an equivalent one. */
export interface SerializedError {
  message: string;
  name?: string;
  code?: string;
}

export interface EncoderInit {
  kind: GoDeflate;
}

function serialize(err: unknown): SerializedError {
  if (!(err instanceof Error)) return { message: String(err) };
  const code = (err as NodeJS.ErrnoException).code;
  return { message: err.message, name: err.name, ...(typeof code === 'string' ? { code } : {}) };
}

/** `b` on a buffer of its own, so that transferring it moves nothing else. */
function own(b: Uint8Array): Uint8Array {
  return b.byteOffset === 0 && b.byteLength === b.buffer.byteLength ? b : b.slice();
}

const port = parentPort;
if (port) {
  const send = (m: FromEncoder, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);
  let failed = false;
  try {
    // Built (the wasm loop compiled) before saying ready: a failure up to here makes the build
    // deflate on its own thread instead.
    const deflater = createDeflater((workerData as EncoderInit).kind);
    port.on('message', (m: ToEncoder) => {
      if (failed) return;
      try {
        if ('end' in m) {
          deflater.close();
          const done = own(deflater.take());
          send({ done }, [done.buffer as ArrayBuffer]);
          port.close();
          return;
        }
        deflater.write(new Uint8Array(m.batch, 0, m.length));
        const out = deflater.pendingOutput > 0 ? own(deflater.take()) : null;
        send({ free: m.batch, out }, out ? [m.batch, out.buffer as ArrayBuffer] : [m.batch]);
      } catch (err) {
        failed = true;
        send({ error: serialize(err) });
      }
    });
    send({ ready: true });
  } catch (err) {
    failed = true;
    send({ error: serialize(err) });
  }
}
