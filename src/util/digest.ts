import { createHash } from 'node:crypto';

/** The OCI content digest of `bytes`: `sha256:<hex>` (or another algorithm's). */
export function digestOf(bytes: Uint8Array, algorithm: 'sha256' | 'sha512' = 'sha256'): string {
  return `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`;
}
