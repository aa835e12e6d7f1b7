// The publish flow shared by publish@v1 and push@v1: build → (skip if unchanged) → push by digest
// → sign → tags. It knows nothing of GitHub: src/github/publish.ts turns the inputs and the
// workflow context into a PublishPlan, and writes the outputs and the summary from the result.
import { type BuildOptions, buildLayer, type FluxFormat, type Layer } from '../artifact/index.js';
import type { RegistryClient } from '../oci/client.js';
import type { SignArtifactResult } from '../signing/attach.js';
import { cosignSignatureTag, SIGSTORE_BUNDLE_V03_MEDIA_TYPE } from '../signing/types.js';
import { flushIdle, whenIdle } from '../util/idle.js';
import { diffTree, type TreeDiff } from './diff.js';
import {
  type DiffRule,
  findUnchanged,
  type PreparedUploads,
  prepareUploads,
  pushByDigest,
} from './push.js';
import type { SignStep } from './sign.js';
import {
  applyTags,
  headTags,
  lookupTags,
  type ManifestRef,
  type TagHeads,
  type TagResult,
} from './tags.js';

/** What to publish, where: every input already read, checked and resolved. */
export interface PublishPlan {
  client: RegistryClient;
  /** `registry/path`, for the log. */
  repository: string;
  build: BuildOptions;
  /** The layer of `build`, when the caller started building it already (while git ran). */
  layer?: Promise<Layer>;
  format: FluxFormat;
  annotations: Record<string, string>;
  tags: string[];
  /** Skip the push when the artifact at this tag has the same content. */
  diffTag?: string;
  diffRule: DiffRule;
  /** After tagging, compare the tree with this tag (the pull-request preview comment). */
  compareTag?: string;
}

export interface PublishSteps {
  log: (line: string) => void;
  /** Sees the built layer before any registry write; throws to stop (the content guard). */
  built: (layer: Layer) => void;
  /** The signer, set up while the layer is built; resolves undefined when not signing. */
  signer?: Promise<SignStep | undefined>;
  /** The signature is not confirmed stored: called before the error is rethrown (no tag moved). */
  signFailed?: (digest: string, pushed: boolean) => void;
  /**
   * The abort of a warm-up the caller started already with it (publish@v1 asks the certificate
   * before git runs): aborted here, with this flow's own warm-up, when the build fails.
   */
  warmAbort?: AbortController;
  /**
   * Work for the moments every signature writer waits (a settle window; src/util/idle.ts), such
   * as rendering the step's summary: run once, at the latest when the signature is stored.
   */
  whileSigning?: () => void;
}

export interface PublishResult {
  layer: Layer;
  /** The artifact the tags point at: the pushed one, or the unchanged one at `diffTag`. */
  manifest: ManifestRef;
  pushed: boolean;
  decidedBy?: DiffRule;
  /** An unchanged artifact that was already signed is not signed again. */
  alreadySigned: boolean;
  signed?: SignArtifactResult;
  tagged: TagResult;
  /** The comparison with `compareTag`, when asked for. */
  diff?: TreeDiff;
}

/** Whether the digest has a cosign `.sig` image or a Sigstore bundle referrer. */
async function hasSignature(client: RegistryClient, digest: string): Promise<boolean> {
  if (await client.headManifest(cosignSignatureTag(digest))) return true;
  return (await client.listReferrers(digest, SIGSTORE_BUNDLE_V03_MEDIA_TYPE)).length > 0;
}

/** The line a publish or push starts with, printed once its inputs are read (issue 10). */
export function buildingLine(pathLabel: string, format: FluxFormat): string {
  return `building artifact from ${pathLabel} (Flux ${format.line} format)`;
}

/** build → (skip if unchanged) → push by digest → sign → tags. */
export async function publishArtifact(
  plan: PublishPlan,
  steps: PublishSteps,
): Promise<PublishResult> {
  const { client, repository } = plan;
  const log = steps.log;
  // The first line (buildingLine) is the caller's: printed before the checkout is read.
  // What signing needs that does not depend on the digest (keyless: OIDC token, Fulcio
  // certificate) is asked while the layer is built when a push will follow (no diff-tag), else
  // once the push starts (a content guard that then stops the step leaves one certificate
  // unused). Abandoned and settled before this returns or throws.
  const signer = steps.signer ?? Promise.resolve(undefined);
  signer.catch(() => {});
  const warmAbort = steps.warmAbort ?? new AbortController();
  let warm: Promise<void> | undefined;
  const warmUp = () => {
    warm ??= signer.then((s) => s?.warmUp?.(warmAbort.signal)).catch(() => {});
  };
  // When a push follows for sure, the tags are HEADed while the layer is built (reads only):
  // the registry's connections, and its token when it has token auth, are ready for the push.
  // So is the config blob uploaded and the layer's upload session opened (prepareUploads).
  let heads: Promise<TagHeads> | undefined;
  let prepared: PreparedUploads | undefined;
  if (!plan.diffTag) {
    warmUp();
    heads = headTags(client, plan.tags);
    heads.catch(() => {});
    prepared = prepareUploads(client, plan.annotations, plan.format);
  }
  const layer = await (plan.layer ?? buildLayer(plan.build)).catch(async (err: unknown) => {
    warmAbort.abort();
    await warm;
    await heads?.catch(() => {});
    await prepared?.settle();
    throw err;
  });
  // The tags are looked up while the artifact is pushed and signed (reads only; nothing moves
  // before the signature is stored). Settled before this returns or throws: a lookup still
  // retrying an unreachable registry must not outlive the step.
  let early: ReturnType<typeof lookupTags> | undefined;
  // A pushed artifact is signed while it is pushed: the signature is made (Fulcio, Rekor, its
  // blobs) from the manifest's digest, known before anything is sent, and written where
  // verifiers look only once the manifest is stored. Settled before this returns or throws.
  let signing: Promise<SignArtifactResult> | undefined;
  try {
    // Before anything a manifest names is written (only the config blob and an upload session
    // may be): an empty tree must never reach a tag clusters follow.
    steps.built(layer);
    let sign: SignStep | undefined;
    let manifest: ManifestRef | undefined;
    let pushed = false;
    let decidedBy: DiffRule | undefined;
    if (plan.diffTag) {
      sign = await signer;
      await sign?.ready; // a bad signing input fails the step even when nothing changed
      const found = await findUnchanged(client, plan.diffTag, layer, plan.diffRule);
      manifest = found.manifest;
      decidedBy = found.decidedBy;
      if (manifest) {
        log(
          `layer unchanged since ${repository}:${plan.diffTag} (by ${decidedBy}); nothing pushed`,
        );
      }
    }
    if (!manifest) {
      let storedOk: () => void = () => {};
      let storedFailed: (err: unknown) => void = () => {};
      const stored = new Promise<void>((resolve, reject) => {
        storedOk = resolve;
        storedFailed = reject;
      });
      stored.catch(() => {});
      // The signature's first reads of its tags go out with the manifest's PUT (SharedTagOptions).
      let sending: () => void = () => {};
      Object.assign(stored, {
        sending: new Promise<void>((go) => {
          sending = go;
        }),
      });
      let ready: Promise<void> = Promise.resolve();
      log(`pushing ${layer.digest} (${layer.size} bytes) to ${repository}`);
      try {
        manifest = await pushByDigest(
          client,
          layer,
          plan.annotations,
          plan.format,
          {
            onDigest: (subject) => {
              early = lookupTags(client, subject.digest, plan.tags, 'overwrite', heads);
              early.catch(() => {});
              // The signature's work (sigstore-js loading, Rekor, its blobs) starts once the
              // artifact's own first requests are on their way: on this thread it would otherwise
              // hold them up, and the artifact's manifest is what the signature waits for.
              ready = new Promise<void>((go) => setImmediate(go)).then(async () => {
                const s = await signer;
                sign = s;
                if (!s) return;
                warmUp();
                signing = s(
                  client,
                  subject.digest,
                  { mediaType: subject.mediaType, size: subject.size },
                  stored,
                );
                signing.catch(() => {});
                await s.ready; // a cosign key: its signature's blobs go out while it is decrypted
              });
            },
            // A bad signing input (e.g. a wrong key password) fails before the manifest is stored.
            beforeManifest: () => ready,
            sendingManifest: () => sending(),
          },
          prepared,
        );
        storedOk();
      } catch (err) {
        sending();
        storedFailed(err);
        throw err;
      }
      pushed = true;
    }
    // Tags move only after the signature is stored. An unchanged artifact that is already signed
    // is not signed again: every run would otherwise append one more signature to it.
    const alreadySigned = !pushed && sign ? await hasSignature(client, manifest.digest) : false;
    if (alreadySigned) log(`${repository}@${manifest.digest} is already signed; not signing again`);
    const pushedDigest = manifest.digest;
    const tagLookup = early ?? lookupTags(client, pushedDigest, plan.tags, 'overwrite', heads);
    tagLookup.catch(() => {});
    if (sign && !alreadySigned && !signing) {
      signing = sign(client, pushedDigest, {
        mediaType: manifest.mediaType,
        size: manifest.bytes.length,
      });
      signing.catch(() => {});
    }
    // The caller's report is prepared in a settle window of the signature's shared-tag writes
    // (idle time), else once the signature is stored.
    if (signing && steps.whileSigning) whenIdle(steps.whileSigning);
    const signed = signing
      ? await signing
          .catch((err: unknown) => {
            steps.signFailed?.(pushedDigest, pushed);
            throw err;
          })
          .finally(flushIdle)
      : undefined;
    const tagged = await applyTags(client, manifest, plan.tags, 'overwrite', tagLookup);
    for (const t of tagged.tags) log(`tagged ${repository}:${t}`);
    const diff = plan.compareTag
      ? await diffTree(client, plan.compareTag, plan.build, layer, plan.diffRule)
      : undefined;
    return {
      layer,
      manifest,
      pushed,
      ...(decidedBy ? { decidedBy } : {}),
      alreadySigned,
      ...(signed ? { signed } : {}),
      tagged,
      ...(diff ? { diff } : {}),
    };
  } finally {
    warmAbort.abort();
    await warm;
    await (early as Promise<unknown> | undefined)?.catch(() => {});
    await heads?.catch(() => {});
    await prepared?.settle();
    await (signing as Promise<unknown> | undefined)?.catch(() => {});
    await layer.cleanup();
  }
}

export interface ForkPreviewResult {
  layer: Layer;
  /** Undefined when the artifact at the compare tag could not be read (`compareError` says why). */
  diff?: TreeDiff;
  compareError?: unknown;
}

/**
 * A pull request from a fork: build and compare with the deployed tag only; never push, sign or
 * tag (src/github/publish.ts says why).
 */
export async function previewFork(
  plan: Pick<PublishPlan, 'client' | 'build' | 'layer' | 'diffRule'> & { compareTag: string },
  built: (layer: Layer) => void,
  /** Whether a failed compare is the user's to act on (not there, no access): reported, not thrown. */
  reportable: (err: unknown) => boolean,
): Promise<ForkPreviewResult> {
  const layer = await (plan.layer ?? buildLayer(plan.build));
  try {
    built(layer);
    const diff = await diffTree(plan.client, plan.compareTag, plan.build, layer, plan.diffRule);
    return { layer, diff };
  } catch (err) {
    // A registry or network failure still fails the step.
    if (!reportable(err)) throw err;
    return { layer, compareError: err };
  } finally {
    await layer.cleanup();
  }
}
