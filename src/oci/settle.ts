import { sleep } from './retry.js';

/**
 * After a read-merge-write of a shared tag (the `.sig` image, the referrers-tag index) on a
 * registry without compare-and-swap, a writer that read before our PUT may still overwrite it.
 * Waits longer than such a cycle takes, twice (a slow writer may land after the first look), and
 * reports whether our entry was there both times; the caller merges again when it was not.
 */
/**
 * Under faults a cycle includes retry backoff and stalls (seen: 10 s), which says nothing about
 * how long another writer takes; uncapped, two looks at 3x that waited 60 s and ran steps past
 * their deadline. A writer slower than this is caught by the second look or the next merge.
 */
const MAX_LOOK_WAIT_MS = 3000;

export async function survivesConcurrentWriters(
  present: () => Promise<boolean>,
  cycleMs: number,
  signal?: AbortSignal,
): Promise<boolean> {
  for (let look = 0; look < 2; look++) {
    await sleep(
      Math.min(MAX_LOOK_WAIT_MS, Math.max(200, 3 * cycleMs)) + Math.random() * 50,
      signal,
    );
    if (!(await present())) return false;
  }
  return true;
}
