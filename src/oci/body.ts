// Reading registry response bodies into memory, always with a cap.
import { Readable as NodeReadable, type Readable } from 'node:stream';
import type { TransportResponse } from './http.js';

const MAX_ERROR_BODY = 64 * 1024;

export class TooLarge extends Error {}

/** Reads a body into memory, refusing more than `max` bytes whether or not a length is declared. */
export async function readCapped(
  body: Readable,
  max: number,
  contentLength: () => string | undefined,
): Promise<Buffer> {
  const declared = Number(contentLength() ?? Number.NaN);
  if (Number.isFinite(declared) && declared > max) {
    body.destroy();
    throw new TooLarge();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > max) {
      body.destroy();
      throw new TooLarge();
    }
    chunks.push(b);
  }
  return Buffer.concat(chunks, size);
}

/** `res` with its body already read into `bytes`. */
export function buffered(res: TransportResponse, bytes: Buffer): TransportResponse {
  return {
    ...res,
    body: NodeReadable.from([bytes]),
    text: async () => bytes.toString(),
    bytes: async () => bytes,
    dump: async () => {},
  };
}

/** Reads at most 64 KiB of an error body, for its OCI error code; '' when the body breaks off. */
export async function readLimited(res: TransportResponse): Promise<string> {
  let text = '';
  try {
    for await (const chunk of res.body) {
      text += (chunk as Buffer).toString();
      if (text.length >= MAX_ERROR_BODY) {
        res.body.destroy();
        break;
      }
    }
  } catch {
    // the status is what matters; the code was a bonus
  }
  return text;
}
