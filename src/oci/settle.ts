import { sleep } from './retry.js';

/**
 * After a read-merge-write of a shared tag (the `.sig` image, the referrers-tag index) on a
 * registry without compare-and-swap, a writer that read before our PUT may still overwrite it.
 * Waits longer than such a cycle takes, twice (a slow writer may land after the first look), and
 * reports whether our entry was there both times; the caller merges again when it was not.
 */
export async function survivesConcurrentWriters(
  present: () => Promise<boolean>,
  cycleMs: number,
  signal?: AbortSignal,
): Promise<boolean> {
  for (let look = 0; look < 2; look++) {
    await sleep(Math.max(200, 3 * cycleMs) + Math.random() * 50, signal);
    if (!(await present())) return false;
  }
  return true;
}
