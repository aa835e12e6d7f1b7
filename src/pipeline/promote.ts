// The promote flow of tag@v1: resolve ref → digest; verify on the source; copy with its
// signatures (copy-to); sign on the target; then move the tags. Tags move last, so a failure at
// any step moves none. No GitHub knowledge: src/github/promote.ts reads the inputs, words the
// failures (through the hooks) and writes the outputs and the summary.
import type { RegistryClient } from '../oci/client.js';
import type { SignArtifactResult } from '../signing/attach.js';
import { cosignSignatureTag, SIGSTORE_BUNDLE_MEDIA_TYPE_PREFIX } from '../signing/types.js';
import {
  type VerifyArtifactOptions,
  type VerifyResult,
  verifyArtifact,
} from '../signing/verify/index.js';
import { type CopyResult, copyArtifact } from './copy.js';
import type { SignStep } from './sign.js';
import { applyTags, type IfExists, type TagResult } from './tags.js';

export interface PromotePlan<R extends SignArtifactResult> {
  source: RegistryClient;
  /** copy-to: the artifact is copied here first and the tags move here. */
  copyTo?: RegistryClient;
  ref: string;
  tags: string[];
  ifExists: IfExists;
  /** Verify on the source with Flux's rules before anything is written. */
  verify?: Omit<VerifyArtifactOptions, 'client' | 'digest' | 'source'>;
  /** Sign on the target; `bundle` when the signature is a cosign v3 bundle. */
  sign?: { step: SignStep<R>; bundle: boolean };
  tmpDir?: string;
}

export interface PromoteHooks {
  log: (line: string) => void;
  warn: (line: string) => void;
  /** The digest `ref` points at now (a missing artifact is the user's error). */
  resolve: (client: RegistryClient, ref: string) => Promise<string>;
  /** Refuses an artifact that would empty the clusters following the tags (content guard). */
  guard: (digest: string) => Promise<void>;
  /** Throws when the verification did not pass; nothing has been written yet. */
  verified: (result: VerifyResult, digest: string) => void;
  /** The target has only cosign v2 `.sig` signatures and a bundle is about to be added. */
  bundleShadowsSig: (digest: string) => void;
  /** Runs a step that writes to the target (lets the caller re-word copy-to login failures). */
  onTarget: <T>(step: () => Promise<T>) => Promise<T>;
}

export interface PromoteResult<R extends SignArtifactResult> {
  digest: string;
  verified?: VerifyResult;
  copied?: CopyResult;
  signed?: R;
  tagged: TagResult;
}

export async function promoteArtifact<R extends SignArtifactResult>(
  plan: PromotePlan<R>,
  hooks: PromoteHooks,
): Promise<PromoteResult<R>> {
  const { source, ref, tags } = plan;
  // 1. Everything below works on the digest the ref points at now; a tag may move meanwhile.
  const digest = await hooks.resolve(source, ref);
  if (!ref.includes(':')) hooks.log(`${source.repository.name}:${ref} is ${digest}`);
  // An artifact with no files would empty every cluster that follows these tags.
  await hooks.guard(digest);

  // 2. Verify with Flux's rules, on the source, before anything is written.
  let verified: VerifyResult | undefined;
  if (plan.verify) {
    verified = await verifyArtifact({ client: source, digest, ...plan.verify });
    for (const w of verified.warnings) hooks.warn(w);
    hooks.verified(verified, digest);
    hooks.log(
      `verified ${source.repository.name}@${digest} (${verified.format}${verified.identity ? `, ${verified.identity.subject}` : ''})`,
    );
  }

  // 3. Copy (manifest by digest, then signatures); no tag yet.
  let copied: CopyResult | undefined;
  if (plan.copyTo) {
    const to = plan.copyTo;
    copied = await hooks.onTarget(() =>
      copyArtifact(source, to, digest, { tmpDir: plan.tmpDir, log: hooks.log }),
    );
  }
  const target = plan.copyTo ?? source;

  // 4. Sign on the target with this workflow's identity.
  let signed: R | undefined;
  if (plan.sign) {
    const s = plan.sign;
    if (s.bundle && (await onlySigImage(target, digest))) hooks.bundleShadowsSig(digest);
    signed = await hooks.onTarget(() => s.step(target, digest));
  }

  // 5. Tags last.
  const tagged = await hooks.onTarget(async () =>
    applyTags(target, await target.getManifest(digest), tags, plan.ifExists),
  );
  for (const t of tagged.tags) hooks.log(`artifact tagged as ${target.repository.name}:${t}`);
  return {
    digest,
    ...(verified ? { verified } : {}),
    ...(copied ? { copied } : {}),
    ...(signed ? { signed } : {}),
    tagged,
  };
}

/**
 * Flux >= 2.8 decides on the bundle referrers alone once there is one, so the first bundle hides
 * identities that only signed the `.sig` image: true when the digest has a `.sig` and no bundle.
 */
async function onlySigImage(target: RegistryClient, digest: string): Promise<boolean> {
  const referrers = await target.listReferrers(digest);
  if (referrers.some((d) => d.artifactType?.startsWith(SIGSTORE_BUNDLE_MEDIA_TYPE_PREFIX)))
    return false;
  return (await target.headManifest(cosignSignatureTag(digest))) !== undefined;
}
