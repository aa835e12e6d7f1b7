import { relative } from 'node:path';
import * as core from '@actions/core';
import {
  annotationsFrom,
  buildLayer,
  FLUX_DEFAULT_IGNORE,
  type Layer,
  REVISION_ANNOTATION,
  SOURCE_ANNOTATION,
} from '../artifact/index.js';
import type { RegistryClient } from '../oci/client.js';
import { parseTag } from '../oci/reference.js';
import { diffTree } from '../pipeline/diff.js';
import {
  type DiffRule,
  findUnchanged,
  manifestAnnotations,
  pushByDigest,
} from '../pipeline/push.js';
import { applyTags, lookupTags, type ManifestRef } from '../pipeline/tags.js';
import type { SignArtifactResult } from '../signing/attach.js';
import { cosignSignatureTag, SIGSTORE_BUNDLE_V03_MEDIA_TYPE } from '../signing/types.js';
import { UserError } from '../util/errors.js';
import { readDiffRule, readFluxFormat } from './artifact-format.js';
import { readCheckout, reconcile } from './checkout.js';
import { guardBuiltLayer } from './content-guard.js';
import {
  contextFromEnv,
  defaultRevision,
  defaultSource,
  defaultTags,
  expandTag,
  provenance,
  tagVariables,
  type WorkflowContext,
} from './context.js';
import { resolveCreated } from './created.js';
import type { Inputs } from './inputs.js';
import { setOutputs } from './outputs.js';
import { resolveUserPath } from './paths.js';
import { changesMarkdown, postPreviewComment } from './preview.js';
import { type PullRequestInfo, pullRequestOf } from './pull-request.js';
import { connect } from './registry.js';
import { tagFailureOutputs } from './registry-errors.js';
import { ociRepositoryYaml } from './signing.js';
import { code, table, writeSummary } from './summary.js';

/** Signs a pushed digest; runs after the push and before any tag moves. */
export type SignStep = ((
  client: RegistryClient,
  digest: string,
  /** The manifest as pushed (saves a HEAD for the referrer's subject). */
  subject?: { mediaType: string; size: number },
) => Promise<SignArtifactResult>) & {
  /** Called when a push starts (so a signature follows): see ArtifactSigner.warmUp. */
  warmUp?: () => void;
};

/**
 * Resolves a directory/file input (`path`, default `.`; pull's `output`, required) to its real
 * location inside the workspace (src/github/paths.ts); a path leading outside it, also through a
 * symlinked parent, is refused. `path` keeps a link in its last component for the walk's rules.
 */
export function workspacePath(inputs: Inputs, ctx: WorkflowContext, name = 'path'): string {
  const given = name === 'path' ? (inputs.string(name) ?? '.') : inputs.required(name);
  return resolveUserPath(name, given, { workspace: ctx.workspace, keepLastLink: name === 'path' })
    .path;
}

/** Flux's default ignore patterns (unless turned off) followed by the user's. */
export function ignorePatterns(inputs: Inputs): string[] {
  const defaults = inputs.boolean('ignore-defaults', true) ? [...FLUX_DEFAULT_IGNORE] : [];
  return [...defaults, ...(inputs.list('ignore-paths') ?? [])];
}

/** Tells the user what the walk left out, the way Flux leaves it out silently. */
export function reportSkipped(s: Layer['skipped']): void {
  if (s.skippedSymlinks > 0) {
    core.notice(
      `${s.skippedSymlinks} symlinks were left out (as flux does); set resolve-symlinks: true to follow links inside the workspace`,
    );
  }
  if (s.skippedUnresolved > 0) {
    core.warning(
      `${s.skippedUnresolved} symlinks were left out because they point outside the workspace or nowhere`,
    );
  }
  if (s.skippedSpecial > 0)
    core.info(`${s.skippedSpecial} sockets, FIFOs or devices were left out`);
}

/** Whether the digest has a cosign `.sig` image or a Sigstore bundle referrer. */
async function hasSignature(client: RegistryClient, digest: string): Promise<boolean> {
  if (await client.headManifest(cosignSignatureTag(digest))) return true;
  return (await client.listReferrers(digest, SIGSTORE_BUNDLE_V03_MEDIA_TYPE)).length > 0;
}

/** build → (skip if unchanged) → push by digest → sign → tags; the body of publish and push. */
export async function publish(
  inputs: Inputs,
  makeSigner?: (ctx: WorkflowContext) => Promise<SignStep | undefined>,
): Promise<void> {
  const ctx = contextFromEnv();
  const { repository, client } = connect(inputs);
  const path = workspacePath(inputs, ctx);
  // What is packaged is what is checked out: revision, created and tags describe HEAD.
  const checkout = await readCheckout(path, ctx.workspace);
  const prContent = inputs.choice('pr-content', ['head', 'merge'] as const, 'head');
  const packaged = reconcileOrSkipFork(ctx, () =>
    reconcile(ctx, provenance(ctx), checkout, prContent),
  );
  if (!packaged) return;
  for (const note of packaged.notes) {
    if (packaged.checkout) core.notice(note);
    else core.info(note);
  }
  const prov = packaged.provenance;
  const summaryOn = inputs.boolean('summary', true);

  const source = inputs.string('source') ?? defaultSource(ctx);
  if (!source)
    throw new UserError('input source is required outside GitHub Actions; set source', 'source');
  const revision = inputs.string('revision') ?? defaultRevision(prov);
  if (!revision) {
    throw new UserError(
      'cannot derive the revision from the workflow context; set the revision input',
      'revision',
    );
  }
  const vars = tagVariables(prov);
  const tagInput = inputs.list('tags');
  const latest = inputs.choice('latest', ['auto', 'true', 'false'] as const, 'auto');
  if (
    !tagInput &&
    latest === 'auto' &&
    prov.refType === 'branch' &&
    !prov.defaultBranch &&
    prov.pr === undefined
  ) {
    core.notice(
      'latest: the event payload does not name the default branch, so latest is not moved; set latest: true to move it',
    );
  }
  if (tagInput && latest !== 'auto') {
    core.warning('input latest applies to the default tags only; list latest in tags instead');
  }
  const tags = (tagInput ?? defaultTags(ctx.eventName, prov, latest)).map((t) =>
    parseTag(expandTag(t, vars), { input: 'tags' }),
  );
  const diffTag = inputs.string('diff-tag');
  if (diffTag) parseTag(diffTag, { input: 'diff-tag' });
  const format = readFluxFormat(inputs);
  const diffRule = readDiffRule(inputs);
  const created = await resolveCreated(inputs.string('created'), prov, ctx.workspace);
  const annotations = annotationsFrom({
    created,
    source,
    revision,
    extra: inputs.pairs('annotations'),
  });

  const buildOptions = {
    gzip: format.gzip,
    path,
    ignorePaths: ignorePatterns(inputs),
    resolveSymlinks: inputs.boolean('resolve-symlinks', false),
    workspace: ctx.workspace,
    tmpDir: process.env.RUNNER_TEMP,
  };
  // Pull-request previews: a fork gets a diff and a summary only; `comment` posts the preview.
  const pr = pullRequestOf(ctx);
  const comment = inputs.boolean('comment', false);
  const preview = {
    repository: repository.name,
    path: relative(ctx.workspace, path) || '.',
    compareTag: diffTag ?? 'latest',
  };
  if (pr?.fromFork) {
    await forkPreview({
      inputs,
      client,
      pr,
      comment,
      buildOptions,
      revision,
      source,
      diffRule,
      ...preview,
    });
    return;
  }
  // The signer is set up (a cosign key decrypted: scrypt, off the main thread) while the layer is
  // built; a bad signing input still fails before anything is pushed.
  const signer = makeSigner?.(ctx);
  signer?.catch(() => {});
  core.info(`building artifact from ${preview.path} (Flux ${format.line} format)`);
  const layer = await buildLayer(buildOptions);
  reportSkipped(layer.skipped);
  try {
    // Before the first registry write: an empty tree must never reach a tag clusters follow.
    guardBuiltLayer(layer, {
      inputs,
      path,
      workspace: ctx.workspace,
      given: inputs.string('path') ?? '.',
    });
    const sign = await signer;
    let manifest: ManifestRef | undefined;
    let pushed = false;
    let decidedBy: string | undefined;
    // The tags are looked up while the artifact is pushed and signed (reads only; nothing moves
    // before the signature is stored).
    let early: ReturnType<typeof lookupTags> | undefined;
    if (diffTag) {
      const found = await findUnchanged(client, diffTag, layer, diffRule);
      manifest = found.manifest;
      decidedBy = found.decidedBy;
      if (manifest) {
        core.info(
          `layer unchanged since ${repository.name}:${diffTag} (by ${decidedBy}); nothing pushed`,
        );
      }
    }
    if (!manifest) {
      sign?.warmUp?.();
      core.info(`pushing ${layer.digest} (${layer.size} bytes) to ${repository.name}`);
      manifest = await pushByDigest(client, layer, annotations, format, (digest) => {
        early = lookupTags(client, digest, tags);
        early.catch(() => {});
      });
      pushed = true;
    }
    // Tags move only after the signature is stored. An unchanged artifact that is already signed
    // is not signed again: every run would otherwise append one more signature to it.
    const alreadySigned = !pushed && sign ? await hasSignature(client, manifest.digest) : false;
    if (alreadySigned)
      core.info(`${repository.name}@${manifest.digest} is already signed; not signing again`);
    const pushedDigest = manifest.digest;
    const tagLookup = early ?? lookupTags(client, pushedDigest, tags);
    tagLookup.catch(() => {});
    // The summary's OCIRepository YAML module loads while the signature's round trips run.
    if (sign && !alreadySigned) import('../util/yaml.js').catch(() => {});
    const signed =
      sign && !alreadySigned
        ? await sign(client, pushedDigest, {
            mediaType: manifest.mediaType,
            size: manifest.bytes.length,
          }).catch((err: unknown) => {
            // The signature is not confirmed stored: no tag moves, and the outputs say so.
            setOutputs({
              digest: pushedDigest,
              'digest-url': `${repository.name}@${pushedDigest}`,
              repository: repository.name,
              pushed,
              signed: false,
            });
            throw err;
          })
        : undefined;
    const tagged = await applyTags(client, manifest, tags, 'overwrite', tagLookup).catch(
      (err: unknown) => {
        tagFailureOutputs(err);
        throw err;
      },
    );
    for (const t of tagged.tags) core.info(`tagged ${repository.name}:${t}`);

    // When unchanged, report the annotations of the artifact the tags point at.
    const annotationsNow = manifestAnnotations(manifest.bytes);
    const digestUrl = `${repository.name}@${manifest.digest}`;
    const outputs = {
      digest: manifest.digest,
      'digest-url': digestUrl,
      url: `oci://${digestUrl}`,
      repository: repository.name,
      tags: tagged.tags,
      moved: tagged.moved.map((m) => m.tag),
      'rolled-back': [],
      pushed,
      signed: makeSigner ? signed !== undefined : undefined,
      source: annotationsNow[SOURCE_ANNOTATION] ?? source,
      revision: annotationsNow[REVISION_ANNOTATION] ?? revision,
      'layer-digest': layer.digest,
      'signature-format': signed?.formats,
      'flux-version': format.line,
      'decided-by': decidedBy,
      'certificate-identity': signed?.certificateIdentity,
      'certificate-oidc-issuer': signed?.certificateOidcIssuer,
      'public-key': signed?.publicKey,
    };
    // `tag` mirrors `flux push artifact -o json` (the first tag).
    setOutputs(outputs, { tag: tagged.tags[0] });

    const rows = [
      ['Repository', code(repository.name)],
      ['Digest', code(manifest.digest)],
      ['Tags', tagged.tags.map(code).join(' ')],
      ['Pushed', pushed ? 'yes' : `no, unchanged since ${code(diffTag ?? '')}`],
      ['Source', outputs.source],
      ['Revision', code(outputs.revision)],
      [
        'Packaged from',
        packaged.checkout
          ? `git checkout at ${code(packaged.checkout.head.slice(0, 12))}${packaged.checkout.shallow ? ' (shallow)' : ''}`
          : 'a workspace without git: revision and created from the event',
      ],
      ['Layer', `${code(layer.digest)} (${layer.size} bytes, ${layer.entries} entries)`],
      ['Format', `Flux ${format.line}`],
    ];
    if (tagged.moved.length > 0) {
      rows.push([
        'Moved tags',
        tagged.moved.map((m) => `${code(m.tag)} from ${code(m.from)}`).join('<br>'),
      ]);
    }
    if (alreadySigned) rows.push(['Signature', 'already signed, not signed again']);
    if (signed) {
      rows.push(['Signature', signed.formats.map(code).join(' ')]);
      if (signed.certificateIdentity) rows.push(['Signed by', code(signed.certificateIdentity)]);
    }
    const verifyYaml = signed
      ? await ociRepositoryYaml(repository.name, tagged.tags[0], signed)
      : '';
    let changes = '';
    if (comment && pr) {
      const diff = await diffTree(client, preview.compareTag, buildOptions, layer, diffRule);
      changes = `### Changes\n\n${changesMarkdown(repository.name, preview.compareTag, diff)}\n`;
      const facts = { ...preview, diff, digest: manifest.digest, tags: tagged.tags, pushed };
      await postPreviewComment(inputs.secret('github-token'), pr, {
        ...facts,
        revision: outputs.revision,
        ...(verifyYaml ? { verifyYaml } : {}),
      });
    } else if (comment) {
      core.info(
        `comment: true comments on pull_request events only (this is ${ctx.eventName || 'no event'})`,
      );
    }
    await writeSummary(
      summaryOn,
      `## Flux OCI artifact ${pushed ? 'published' : 'unchanged'}\n\n${table(['', ''], rows)}\n${changes}${verifyYaml}`,
    );
  } finally {
    await layer.cleanup();
  }
}

interface ForkPreview {
  inputs: Inputs;
  client: RegistryClient;
  pr: PullRequestInfo;
  comment: boolean;
  buildOptions: Parameters<typeof buildLayer>[0];
  repository: string;
  path: string;
  compareTag: string;
  revision: string;
  source: string;
  diffRule: DiffRule;
}

/**
 * A pull request from a fork: its `pull_request` token is read-only and it has no OIDC token, and
 * under `pull_request_target` its content is untrusted while the token and signing identity are
 * the base repository's. So: build, compare with the deployed tag, report; never push, sign or tag.
 */
async function forkPreview(f: ForkPreview): Promise<void> {
  const layer = await buildLayer(f.buildOptions);
  reportSkipped(layer.skipped);
  let changes: string;
  let diff: Awaited<ReturnType<typeof diffTree>> | undefined;
  try {
    diff = await diffTree(f.client, f.compareTag, f.buildOptions, layer, f.diffRule);
    changes = changesMarkdown(f.repository, f.compareTag, diff);
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    changes = `Could not read ${code(`${f.repository}:${f.compareTag}`)} to compare: ${err.message}\n`;
    core.warning(`could not compare with ${f.repository}:${f.compareTag}: ${err.message}`);
  } finally {
    await layer.cleanup();
  }
  const why = `pull request #${f.pr.number} comes from the fork ${f.pr.headRepo ?? '(deleted)'}: built and compared with ${f.compareTag} only; nothing pushed, signed or tagged (a fork's token is read-only and it has no OIDC token)`;
  core.notice(why);
  setOutputs({
    digest: '',
    repository: f.repository,
    tags: [],
    pushed: false,
    signed: false,
    source: f.source,
    revision: f.revision,
    'layer-digest': layer.digest,
    fork: true,
  });
  await writeSummary(
    f.inputs.boolean('summary', true),
    `## Flux OCI preview of a fork: not published\n\n${why}.\n\n` +
      `Layer ${code(layer.digest)} (${layer.size} bytes, ${layer.entries} entries), revision ${code(f.revision)}.\n\n### Changes\n\n${changes}`,
  );
  if (f.comment && diff) {
    await postPreviewComment(f.inputs.secret('github-token'), f.pr, {
      repository: f.repository,
      path: f.path,
      compareTag: f.compareTag,
      diff,
      tags: [],
      pushed: false,
      revision: f.revision,
      notPublished: `Not published: ${why}.`,
    });
  }
}

/**
 * Under `pull_request_target` from a fork, actions/checkout v7 refuses the fork's head, so the
 * workspace holds the base branch and the checkout check would ask for a checkout that cannot be
 * done. Say so in one line and stop (nothing to build faithfully, nothing pushed).
 */
function reconcileOrSkipFork<T>(ctx: WorkflowContext, check: () => T): T | undefined {
  try {
    return check();
  } catch (err) {
    const pr = pullRequestOf(ctx);
    if (!(err instanceof UserError) || !pr?.fromFork || !pr.target) throw err;
    core.notice(
      `pull request #${pr.number} comes from the fork ${pr.headRepo ?? '(deleted)'} and this is pull_request_target, where actions/checkout v7 does not check out a fork's head: nothing built or pushed; preview forks on pull_request (built and compared only)`,
    );
    setOutputs({ digest: '', tags: [], pushed: false, signed: false, fork: true });
    return undefined;
  }
}
