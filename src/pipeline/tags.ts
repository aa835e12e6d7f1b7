import type { RegistryClient } from '../oci/client.js';
import { allSettled } from '../util/settle.js';
import { PipelineError } from './errors.js';

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
  /** Tags left on another digest because the caller asked to skip existing ones. */
  skipped: { tag: string; at: string }[];
}

/**
 * A tag set that could not be applied in full. Moved tags were put back on their previous
 * digest (`rolledBack`) unless that failed too or someone else moved them since (`leftMoved`);
 * tags that did not exist before cannot be removed without deleting the manifest on most
 * registries, so the ones written stay (`created`, pointing at the complete, signed artifact;
 * with a new tag whose failed write was stored anyway, the failing one too).
 */
export class TagSetError extends Error {
  override readonly name = 'TagSetError';
  constructor(
    readonly digest: string,
    readonly failedTag: string,
    readonly created: string[],
    readonly rolledBack: { tag: string; to: string }[],
    readonly leftMoved: { tag: string; from: string }[],
    override readonly cause: unknown,
    /** Tags that already pointed at the digest (untouched). */
    readonly unchanged: string[] = [],
  ) {
    super(
      `tag ${failedTag} ${created.includes(failedTag) ? 'was stored, though its every write failed' : 'could not be written'} (${cause instanceof Error ? cause.message : String(cause)}); ${tagReport(created, rolledBack, leftMoved)}`,
      { cause },
    );
  }

  /** The failing tag's write was stored although none was confirmed (it is in `created`). */
  get failedTagStored(): boolean {
    return this.created.includes(this.failedTag);
  }

  /** What happened to the tags, for the step's message: never empty. */
  report(): string {
    return tagReport(this.created, this.rolledBack, this.leftMoved);
  }
}

function tagReport(
  created: string[],
  rolledBack: { tag: string }[],
  leftMoved: { tag: string; from: string }[],
): string {
  const parts: string[] = [];
  if (leftMoved.length > 0)
    parts.push(
      `moved and NOT restored: ${leftMoved.map((m) => `${m.tag} (was ${m.from})`).join(', ')}`,
    );
  if (rolledBack.length > 0)
    parts.push(`moved, then restored: ${rolledBack.map((m) => m.tag).join(', ')}`);
  if (created.length > 0) parts.push(`new tags written: ${created.join(', ')}`);
  return parts.length > 0 ? parts.join('; ') : 'no tag moved';
}

/** Tags clusters are most likely to follow; written last of all. */
const FOLLOWED_LAST = new Set(['latest']);

/** What the tags point at now, and the manifests of those about to move (for a rollback). */
export interface TagLookup {
  digest: string;
  current: TagHeads;
  previous: Map<string, { bytes: Uint8Array; mediaType: string }>;
}

/** What each tag points at now (`undefined`: no such tag), in the order given, duplicates dropped. */
export type TagHeads = (readonly [string, { digest: string } | undefined])[];

/**
 * HEADs every tag at once. Reads only, and independent of the artifact: publish sends them while
 * the layer is built, so their connections (and, on registries with token auth, the challenge
 * and token) are ready before the first upload.
 */
export async function headTags(client: RegistryClient, tags: string[]): Promise<TagHeads> {
  const unique = [...new Set(tags)];
  return allSettled(unique.map(async (tag) => [tag, await client.headManifest(tag)] as const));
}

/**
 * Looks every tag up (`headTags`, or its answer started earlier) and reads the manifests of the
 * tags that would move (one GET per digest, at once); `applyTags` does this itself, or takes it
 * started earlier: publish starts it while the artifact is signed, since it writes nothing.
 */
export async function lookupTags(
  client: RegistryClient,
  digest: string,
  tags: string[],
  ifExists: IfExists = 'overwrite',
  /** `headTags` of exactly these tags, started earlier. */
  heads?: Promise<TagHeads>,
): Promise<TagLookup> {
  const current = await (heads ?? headTags(client, tags));
  const previous = new Map<string, { bytes: Uint8Array; mediaType: string }>();
  if (ifExists === 'overwrite') {
    const from = new Set(current.flatMap(([, d]) => (d && d.digest !== digest ? [d.digest] : [])));
    // Every read settles before a failure is reported: none may outlive the step.
    await allSettled([...from].map(async (d) => previous.set(d, await client.getManifest(d))));
  }
  return { digest, current, previous };
}

/**
 * Points tags at a manifest by re-putting its exact bytes (what `flux tag artifact` does), all or
 * nothing as far as registries allow:
 * 1. every tag is looked up before any is written, so `fail` never leaves a half-tagged artifact,
 *    and the manifests of tags about to move are read, so they can be put back;
 * 2. tags that do not exist yet go first, all at once (nobody follows them yet), then the tags
 *    that move, one by one, `latest` last: a failure part-way leaves the tags clusters follow
 *    where they were;
 * 3. when a write fails after retries, every tag moved so far is put back on its previous digest
 *    (unless another writer moved it meanwhile) and `TagSetError` says exactly which tags moved.
 */
export async function applyTags(
  client: RegistryClient,
  manifest: ManifestRef,
  tags: string[],
  ifExists: IfExists = 'overwrite',
  /** `lookupTags` for exactly these tags, digest and `ifExists`, started earlier. */
  lookedUp?: Promise<TagLookup>,
): Promise<TagResult> {
  const unique = [...new Set(tags)];
  const lookup = (await lookedUp) ?? (await lookupTags(client, manifest.digest, unique, ifExists));
  if (lookup.digest !== manifest.digest) throw new Error('applyTags: lookup of another digest');
  const { current } = lookup;
  const elsewhere = current.filter(([, d]) => d !== undefined && d.digest !== manifest.digest);
  if (ifExists === 'fail' && elsewhere.length > 0) {
    throw new PipelineError({
      code: 'TAGS_EXIST',
      tags: elsewhere.map(([tag, d]) => ({ tag, digest: d?.digest ?? '' })),
    });
  }
  const result: TagResult = { tags: [], moved: [], skipped: [] };
  const fresh: string[] = [];
  const moving: { tag: string; from: string }[] = [];
  for (const [tag, desc] of current) {
    if (desc === undefined) fresh.push(tag);
    else if (desc.digest === manifest.digest) result.tags.push(tag);
    else if (ifExists === 'skip') result.skipped.push({ tag, at: desc.digest });
    else moving.push({ tag, from: desc.digest });
  }
  moving.sort((a, b) => Number(FOLLOWED_LAST.has(a.tag)) - Number(FOLLOWED_LAST.has(b.tag)));
  // Previous manifests, read before anything moves, so a rollback needs only PUTs.
  const previous = lookup.previous;

  const created: string[] = [];
  const moved: { tag: string; from: string }[] = [];
  const fail = async (tag: string, err: unknown, from?: string): Promise<never> => {
    // A PUT that failed may still have applied (its answer lost after the registry stored it,
    // then every retry refused): put that tag back too, if it now points at ours.
    const maybe = from === undefined ? [] : [{ tag, from, uncertain: true }];
    const { rolledBack, leftMoved } = await rollback(
      client,
      manifest.digest,
      [...moved, ...maybe],
      previous,
    );
    throw new TagSetError(manifest.digest, tag, created, rolledBack, leftMoved, err, result.tags);
  };
  const put = (tag: string) => client.putManifest(tag, manifest.bytes, manifest.mediaType);
  const written = await Promise.allSettled(fresh.map(put));
  const unconfirmed: string[] = [];
  for (const [i, w] of written.entries())
    (w.status === 'fulfilled' ? created : unconfirmed).push(fresh[i] ?? '');
  const failed = written.findIndex((w) => w.status === 'rejected');
  if (failed >= 0) {
    // A new tag whose PUT failed may still have been stored (its answer lost, then every retry
    // refused): one that points at the artifact now is reported, and output, as written.
    created.push(...(await pointingAt(client, unconfirmed, manifest.digest)));
    await fail(fresh[failed] ?? '', (written[failed] as PromiseRejectedResult).reason);
  }
  for (const step of moving) {
    try {
      await put(step.tag);
    } catch (err) {
      await fail(step.tag, err, step.from);
    }
    moved.push(step);
  }
  result.moved = moved;
  // Report in the order asked for.
  const done = new Set([...result.tags, ...created, ...moved.map((m) => m.tag)]);
  result.tags = unique.filter((t) => done.has(t));
  return result;
}

/** Those of `tags` that point at `digest` now (a tag that cannot be read counts as not). */
async function pointingAt(client: RegistryClient, tags: string[], digest: string) {
  const now = await Promise.all(
    tags.map((t) =>
      client.headManifest(t).then(
        (d) => d?.digest,
        () => undefined,
      ),
    ),
  );
  return tags.filter((_, i) => now[i] === digest);
}

async function rollback(
  client: RegistryClient,
  digest: string,
  /** `uncertain`: its PUT failed, so it may or may not have moved. */
  moved: { tag: string; from: string; uncertain?: boolean }[],
  previous: Map<string, { bytes: Uint8Array; mediaType: string }>,
): Promise<{
  rolledBack: { tag: string; to: string }[];
  leftMoved: { tag: string; from: string }[];
}> {
  const rolledBack: { tag: string; to: string }[] = [];
  const leftMoved: { tag: string; from: string }[] = [];
  // Newest first, so `latest`-like tags (written last) go back first.
  for (const m of [...moved].reverse()) {
    const prev = previous.get(m.from);
    try {
      // Another writer may have moved it since: then it is theirs, not ours to put back.
      const now = await client.headManifest(m.tag);
      if (!prev || now?.digest !== digest) {
        // Not ours now: a failed PUT that did not apply (or another writer's move) is not ours
        // to report or put back.
        if (m.uncertain) continue;
        if (now?.digest !== m.from) leftMoved.push({ tag: m.tag, from: m.from });
        else rolledBack.push({ tag: m.tag, to: m.from });
        continue;
      }
      await client.putManifest(m.tag, prev.bytes, prev.mediaType);
      rolledBack.push({ tag: m.tag, to: m.from });
    } catch {
      leftMoved.push({ tag: m.tag, from: m.from });
    }
  }
  return { rolledBack, leftMoved };
}
