import type { RegistryClient } from '../oci/client.js';
import { UserError } from '../util/errors.js';

export type IfExists = 'overwrite' | 'fail' | 'skip';

export interface ManifestRef {
  bytes: Uint8Array;
  mediaType: string;
  digest: string;
}

export interface TagResult {
  /** Tags that point at the digest after this call (written now or already there). */
  tags: string[];
  /** Tags that pointed at another digest and were moved. */
  moved: { tag: string; from: string }[];
  /** Tags left on another digest because of `if-exists: skip`. */
  skipped: { tag: string; at: string }[];
}

/**
 * Points tags at a manifest by re-putting its exact bytes (what `flux tag artifact` does).
 * Every tag is checked before any is written, so `fail` never leaves a half-tagged artifact.
 */
export async function applyTags(
  client: RegistryClient,
  manifest: ManifestRef,
  tags: string[],
  ifExists: IfExists = 'overwrite',
): Promise<TagResult> {
  const unique = [...new Set(tags)];
  const current = await Promise.all(
    unique.map(async (tag) => [tag, await client.headManifest(tag)] as const),
  );
  const elsewhere = current.filter(([, d]) => d !== undefined && d.digest !== manifest.digest);
  if (ifExists === 'fail' && elsewhere.length > 0) {
    const list = elsewhere.map(([t, d]) => `${t} (at ${d?.digest})`).join(', ');
    throw new UserError(
      `tag already points at another artifact: ${list}; choose another tag or set if-exists: overwrite`,
      'tags',
    );
  }
  const result: TagResult = { tags: [], moved: [], skipped: [] };
  const writes: Promise<string>[] = [];
  for (const [tag, desc] of current) {
    if (desc !== undefined && desc.digest !== manifest.digest) {
      if (ifExists === 'skip') {
        result.skipped.push({ tag, at: desc.digest });
        continue;
      }
      result.moved.push({ tag, from: desc.digest });
    }
    if (desc?.digest !== manifest.digest) {
      // Independent tags: written at once (each PUT carries the same bytes).
      writes.push(client.putManifest(tag, manifest.bytes, manifest.mediaType));
    }
    result.tags.push(tag);
  }
  await Promise.all(writes);
  return result;
}
