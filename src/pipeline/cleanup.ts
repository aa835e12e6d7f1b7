// Removing a preview tag (`pr-N`) and, when nothing else uses its digest, the artifact and its
// signatures. No GitHub knowledge here: how a digest is deleted is a `DeleteBackend` (the
// distribution API, or GitHub's Packages API for ghcr.io, in src/github/packages.ts).
import { createHash } from 'node:crypto';
import type { RegistryClient } from '../oci/client.js';
import { referrersTagFor } from '../oci/reference.js';
import { MEDIA_TYPE } from '../oci/types.js';
import { cosignSignatureTag, OCI_EMPTY_CONFIG } from '../signing/types.js';
import { allSettled } from '../util/settle.js';

/** How manifests are deleted; every call removes the manifest and every tag on it. */
export interface DeleteBackend {
  /** Shown in messages: `registry API`, `GitHub Packages API`. */
  readonly name: string;
  /** `false` when the digest was not there (already deleted). */
  deleteDigest(digest: string): Promise<boolean>;
  /** Deletes one tag and keeps the manifest, when the backend can; `false` when it cannot. */
  deleteTagOnly?(tag: string): Promise<boolean>;
}

type SignatureKind = 'cosign-v2 .sig' | 'referrer' | 'referrers tag' | 'cosign attachment';

interface SignatureItem {
  kind: SignatureKind;
  /** The tag (`sha256-<hex>.sig`) or, for untagged referrers, the digest. */
  ref: string;
  digest: string;
}

interface CleanupPlan {
  tag: string;
  /** Digest the tag points at; undefined when the tag does not exist. */
  digest?: string;
  /** Other tags on the same digest: when any, only the tag goes. */
  sharedWith: string[];
  /** Signatures and referrers of the digest, deleted with it when it is not shared. */
  signatures: SignatureItem[];
}

export interface CleanupResult extends CleanupPlan {
  /** What was done (or, in a dry run, would be done). */
  action: 'absent' | 'untag' | 'delete';
  dryRun: boolean;
  /** Digests actually removed, in order. */
  deleted: string[];
  /** How the tag alone was removed when the digest is shared. */
  untagMethod?: 'tag delete' | 'placeholder';
}

/** Tags cosign and the referrers fallback write: never counted as "another tag using it". */
const SIGNATURE_TAG = /^sha(256|512)-[0-9a-f]{64,128}(\.(sig|att|sbom))?$/;
const LOOKUP_CONCURRENCY = 8;

/** The other (non-signature) tags pointing at `digest`, looked up with bounded concurrency. */
async function tagsOn(client: RegistryClient, digest: string, except: string): Promise<string[]> {
  const candidates = (await client.listTags()).filter(
    (t) => t !== except && !SIGNATURE_TAG.test(t),
  );
  const shared: string[] = [];
  let next = 0;
  const worker = async () => {
    try {
      while (next < candidates.length) {
        const tag = candidates[next++] as string;
        const d = await client.headManifest(tag);
        if (d?.digest === digest) shared.push(tag);
      }
    } catch (err) {
      next = candidates.length; // the others take no more; their reads settle before the error
      throw err;
    }
  };
  await allSettled(Array.from({ length: Math.min(LOOKUP_CONCURRENCY, candidates.length) }, worker));
  return shared.sort();
}

async function signaturesOf(client: RegistryClient, digest: string): Promise<SignatureItem[]> {
  const out: SignatureItem[] = [];
  const seen = new Set<string>();
  const add = (item: SignatureItem) => {
    if (seen.has(item.digest) || item.digest === digest) return;
    seen.add(item.digest);
    out.push(item);
  };
  const sigTag = cosignSignatureTag(digest);
  const sig = await client.headManifest(sigTag);
  if (sig) add({ kind: 'cosign-v2 .sig', ref: sigTag, digest: sig.digest });
  for (const suffix of ['att', 'sbom']) {
    const tag = sigTag.replace(/\.sig$/, `.${suffix}`);
    const d = await client.headManifest(tag);
    if (d) add({ kind: 'cosign attachment', ref: tag, digest: d.digest });
  }
  for (const r of await client.listReferrers(digest)) {
    add({ kind: 'referrer', ref: r.digest, digest: r.digest });
  }
  // The referrers fallback index itself (registries without the referrers API, e.g. GHCR).
  const indexTag = referrersTagFor(digest);
  const index = await client.headManifest(indexTag);
  if (index) add({ kind: 'referrers tag', ref: indexTag, digest: index.digest });
  return out;
}

/** What `cleanupPreview` did: the result, and the signatures that were already gone. */
export interface CleanupOutcome extends CleanupResult {
  /** Signature manifests of a deleted digest that were not there to delete any more. */
  alreadyGone: SignatureItem[];
}

/**
 * The cleanup flow: plan what removing `tag` involves, then (unless `dryRun`) remove it through
 * `backend`, the artifact and its signatures only when no other tag uses the digest.
 */
export async function cleanupPreview(
  client: RegistryClient,
  backend: DeleteBackend,
  tag: string,
  dryRun: boolean,
): Promise<CleanupOutcome> {
  const result = await runCleanup(client, backend, await planCleanup(client, tag), dryRun);
  const alreadyGone =
    result.action === 'delete' && !dryRun
      ? result.signatures.filter((s) => !result.deleted.includes(s.digest))
      : [];
  return { ...result, alreadyGone };
}

/** Looks up what removing `tag` involves, without changing anything. */
async function planCleanup(client: RegistryClient, tag: string): Promise<CleanupPlan> {
  const head = await client.headManifest(tag);
  if (!head) return { tag, sharedWith: [], signatures: [] };
  const sharedWith = await tagsOn(client, head.digest, tag);
  const signatures = sharedWith.length > 0 ? [] : await signaturesOf(client, head.digest);
  return { tag, digest: head.digest, sharedWith, signatures };
}

/**
 * Removes `tag`. A digest another tag still uses is never deleted: only the tag goes (OCI tag
 * delete where the registry has it, else the tag is moved onto a one-off placeholder manifest and
 * that is deleted). Otherwise the artifact goes first, then its signatures, so a failure never
 * leaves an artifact without its signatures; signatures already gone are in `alreadyGone`.
 */
async function runCleanup(
  client: RegistryClient,
  backend: DeleteBackend,
  plan: CleanupPlan,
  dryRun: boolean,
): Promise<CleanupResult> {
  const base = { ...plan, dryRun, deleted: [] as string[] };
  const digest = plan.digest;
  if (!digest) return { ...base, action: 'absent' };
  if (dryRun) return { ...base, action: plan.sharedWith.length > 0 ? 'untag' : 'delete' };

  // Look again right before deleting: a publish may have tagged the digest since the plan.
  const sharedNow =
    plan.sharedWith.length > 0 ? plan.sharedWith : await tagsOn(client, digest, plan.tag);
  if (sharedNow.length > 0) {
    const method = await untag(client, backend, plan.tag, digest);
    return { ...base, sharedWith: sharedNow, signatures: [], action: 'untag', untagMethod: method };
  }
  if (await backend.deleteDigest(digest)) base.deleted.push(digest);
  for (const s of plan.signatures) {
    if (await backend.deleteDigest(s.digest)) base.deleted.push(s.digest);
  }
  return { ...base, action: 'delete' };
}

async function untag(
  client: RegistryClient,
  backend: DeleteBackend,
  tag: string,
  digest: string,
): Promise<'tag delete' | 'placeholder'> {
  if (backend.deleteTagOnly && (await backend.deleteTagOnly(tag))) return 'tag delete';
  // Registries without tag deletion (distribution 2.x, GHCR) drop a tag only with the manifest it
  // points at, so point the tag at a manifest of its own and delete that one.
  const original = await client.getManifest(digest);
  const placeholder = placeholderManifest(tag);
  await client.uploadBlob(
    { bytes: Buffer.from('{}') },
    OCI_EMPTY_CONFIG.digest,
    OCI_EMPTY_CONFIG.size,
  );
  const placeholderDigest = await client.putManifest(tag, placeholder, MEDIA_TYPE.ociManifest);
  try {
    await backend.deleteDigest(placeholderDigest);
  } catch (err) {
    // Put the tag back where it was: nothing half-done.
    await client.putManifest(tag, original.bytes, original.mediaType);
    throw err;
  }
  return 'placeholder';
}

/** An empty OCI artifact unique to this tag and moment, deleted right after it is written. */
function placeholderManifest(tag: string, now = new Date()): Buffer {
  const manifest = {
    schemaVersion: 2,
    mediaType: MEDIA_TYPE.ociManifest,
    artifactType: 'application/vnd.flux-oci-action.placeholder.v1',
    config: OCI_EMPTY_CONFIG,
    layers: [OCI_EMPTY_CONFIG],
    annotations: {
      'org.opencontainers.image.created': now.toISOString(),
      'org.opencontainers.image.description': `placeholder for removing tag ${tag}`,
      'dev.flux-oci-action.nonce': createHash('sha256')
        .update(`${tag}${now.getTime()}${Math.random()}`)
        .digest('hex')
        .slice(0, 16),
    },
  };
  return Buffer.from(JSON.stringify(manifest));
}

/** The registry's own API: `DELETE /v2/<name>/manifests/<digest>` (and `<tag>` where supported). */
export function registryBackend(client: RegistryClient): DeleteBackend {
  return {
    name: 'registry API',
    deleteDigest: (digest) => client.deleteManifest(digest),
    deleteTagOnly: async (tag) => (await client.deleteTag(tag)) === 'deleted',
  };
}
