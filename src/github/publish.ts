// The GitHub side of publish@v1 and push@v1: reads every input once into PublishInputs, reconciles
// them with the workflow context and the checkout into a plan, runs the flow of
// src/pipeline/publish.ts; publish-report.ts writes the outputs, the summary and the preview comment.
import { relative } from 'node:path';
import * as core from '@actions/core';
import {
  annotationsFrom,
  type BuildOptions,
  buildLayer,
  type FluxFormat,
  type Layer,
  prepareBuild,
} from '../artifact/index.js';
import { parseTag } from '../oci/reference.js';
import {
  buildingLine,
  type PublishPlan,
  previewFork,
  publishArtifact,
} from '../pipeline/publish.js';
import type { DiffRule } from '../pipeline/push.js';
import type { SignStep } from '../pipeline/sign.js';
import { UserError } from '../util/errors.js';
import { readDiffRule, readFluxFormat } from './artifact-format.js';
import { type PrContent, readCheckout, reconcile } from './checkout.js';
import { guardBuiltLayer } from './content-guard.js';
import {
  defaultRevision,
  defaultSource,
  defaultTags,
  expandTag,
  type LatestMode,
  provenance,
  tagVariables,
  type WorkflowContext,
} from './context.js';
import { resolveCreated } from './created.js';
import { isUserFault } from './errors.js';
import type { Inputs } from './inputs.js';
import { ociRepositoryYaml } from './ocirepository-yaml.js';
import { setOutputs } from './outputs.js';
import { reportForkPreview, reportPublished } from './publish-report.js';
import { pullRequestOf } from './pull-request.js';
import { type Connection, connect } from './registry.js';
import { tagFailureOutputs } from './registry-errors.js';
import { ignorePatterns, reportSkipped, workspacePath } from './tree-inputs.js';

/** Every input of publish@v1 and push@v1, read and checked once, before any work. */
export interface PublishInputs {
  /** Still read where used: the content guard (allow-empty) and the signing setup. */
  inputs: Inputs;
  connection: Connection;
  /** The real location of `path` inside the workspace, and `path` as given. */
  path: string;
  givenPath: string;
  prContent: PrContent;
  summary: boolean;
  source?: string;
  revision?: string;
  /** The `tags` input as written (placeholders expand once the checkout is known). */
  tags?: string[];
  latest: LatestMode;
  diffTag?: string;
  format: FluxFormat;
  diffRule: DiffRule;
  created?: string;
  annotations: Record<string, string>;
  ignorePaths: string[];
  resolveSymlinks: boolean;
  comment: boolean;
  /** The `sign` input (publish@v1; push@v1 has none and never signs). */
  sign: boolean;
}

export function readPublishInputs(inputs: Inputs, ctx: WorkflowContext): PublishInputs {
  const connection = connect(inputs);
  const path = workspacePath(inputs, ctx);
  const prContent = inputs.choice('pr-content', ['head', 'merge'] as const, 'head');
  const summary = inputs.boolean('summary', true);
  const source = inputs.string('source');
  const revision = inputs.string('revision');
  const tags = inputs.list('tags');
  const latest = inputs.choice('latest', ['auto', 'true', 'false'] as const, 'auto');
  const diffTag = inputs.string('diff-tag');
  if (diffTag) parseTag(diffTag, { input: 'diff-tag' });
  return {
    inputs,
    connection,
    path,
    givenPath: inputs.string('path') ?? '.',
    prContent,
    summary,
    ...(source ? { source } : {}),
    ...(revision ? { revision } : {}),
    ...(tags ? { tags } : {}),
    latest,
    ...(diffTag ? { diffTag } : {}),
    format: readFluxFormat(inputs),
    diffRule: readDiffRule(inputs),
    ...(inputs.string('created') ? { created: inputs.string('created') } : {}),
    annotations: inputs.pairs('annotations'),
    ignorePaths: ignorePatterns(inputs),
    resolveSymlinks: inputs.boolean('resolve-symlinks', false),
    comment: inputs.boolean('comment', false),
    sign: inputs.boolean('sign', true),
  };
}

/**
 * build → (skip if unchanged) → push by digest → sign → tags, with what the checkout and the
 * event say; `makeSigner` (publish@v1) sets up signing once a fork has been ruled out.
 */
export async function publish(
  input: PublishInputs,
  ctx: WorkflowContext,
  makeSigner?: (ctx: WorkflowContext) => Promise<SignStep | undefined>,
): Promise<void> {
  const pathLabel = relative(ctx.workspace, input.path) || '.';
  const pr = pullRequestOf(ctx);
  // The first line says what the step will do as soon as the inputs are read, before the git
  // processes run (~30 ms; issue 10's cold start). A checkout that does not match the event still
  // fails the step next, before anything is sent (the layer being built meanwhile is dropped).
  // A fork's preview starts otherwise.
  if (!pr?.fromFork) core.info(buildingLine(pathLabel, input.format));
  // Every path from here builds and sends requests: the encoder and the HTTP client load while
  // git runs, not when the build or the first request needs them.
  input.connection.client.transport.prepare();
  // A push follows (no fork, no diff-tag): the tags' HEADs (two by default), the config blob's
  // HEAD and POST and the layer's session go out at once while the layer is built.
  if (!pr?.fromFork && !input.diffTag)
    input.connection.client.transport.preconnect(Math.min(8, (input.tags?.length ?? 2) + 3));
  prepareBuild();
  // When a push follows for sure (no fork, no diff-tag), the signer is set up and keyless
  // signing's OIDC token and Fulcio certificate are asked now, while git runs and the layer is
  // built: on a runner that round trip to Fulcio is the longest on the path (issue 10). A step
  // that fails before its push (checkout mismatch, content guard) leaves that certificate
  // unused, as a failed build already did; the request is abandoned and settled before this
  // returns or throws.
  const early =
    makeSigner && !pr?.fromFork && !input.diffTag ? startSigner(makeSigner, ctx) : undefined;
  try {
    await publishChecked({ input, ctx, pr, pathLabel, makeSigner, early });
  } finally {
    early?.abort.abort();
    await early?.warm;
  }
}

/** The signer, set up at once, and its warm-up started with an abort the flow shares. */
function startSigner(
  makeSigner: (ctx: WorkflowContext) => Promise<SignStep | undefined>,
  ctx: WorkflowContext,
): { signer: Promise<SignStep | undefined>; abort: AbortController; warm: Promise<void> } {
  const signer = makeSigner(ctx);
  signer.catch(() => {});
  const abort = new AbortController();
  const warm = signer.then((s) => s?.warmUp?.(abort.signal)).catch(() => {});
  return { signer, abort, warm };
}

/** publish() once the first line is out (and, when a push follows, the signer started). */
/** What publish() hands on once its first line is out. */
interface PublishCall {
  input: PublishInputs;
  ctx: WorkflowContext;
  pr: ReturnType<typeof pullRequestOf>;
  pathLabel: string;
  makeSigner: ((ctx: WorkflowContext) => Promise<SignStep | undefined>) | undefined;
  /** The signer the caller started before git ran (see publish). */
  early: { signer: Promise<SignStep | undefined>; abort: AbortController } | undefined;
}

async function publishChecked(call: PublishCall): Promise<void> {
  const { input, ctx } = call;
  const path = input.path;
  const build = {
    gzip: input.format.gzip,
    path,
    ignorePaths: input.ignorePaths,
    resolveSymlinks: input.resolveSymlinks,
    workspace: ctx.workspace,
    tmpDir: process.env.RUNNER_TEMP,
  };
  // The layer is built (a file in RUNNER_TEMP, nothing sent) while git reads the checkout in its
  // own process; what the checkout check decides still comes first, and a build nobody takes is
  // removed. Its own failure is reported once the checkout is found consistent.
  const unused = new AbortController();
  const layer = buildLayer({ ...build, signal: unused.signal });
  layer.catch(() => {});
  let handed = false;
  try {
    await publishBuilding(call, build, () => {
      handed = true;
      return layer;
    });
  } finally {
    if (!handed) {
      unused.abort();
      await layer.then((l) => l.cleanup()).catch(() => {});
    }
  }
}

/** publishChecked with the layer being built: `take` hands it over (whoever takes it removes it). */
async function publishBuilding(
  call: PublishCall,
  build: BuildOptions,
  take: () => Promise<Layer>,
): Promise<void> {
  const { input, ctx, pr, pathLabel, makeSigner, early } = call;
  const { repository, client } = input.connection;
  const path = input.path;
  // What is packaged is what is checked out: revision, created and tags describe HEAD.
  const checkout = await readCheckout(path, ctx.workspace);
  const packaged = reconcileOrSkipFork(ctx, () =>
    reconcile(ctx, provenance(ctx), checkout, input.prContent),
  );
  if (!packaged) return;
  for (const note of packaged.notes) {
    if (packaged.checkout) core.notice(note);
    else core.info(note);
  }
  const prov = packaged.provenance;

  const source = input.source ?? defaultSource(ctx);
  if (!source)
    throw new UserError('input source is required outside GitHub Actions; set source', 'source');
  const revision = input.revision ?? defaultRevision(prov);
  if (!revision) {
    throw new UserError(
      'cannot derive the revision from the workflow context; set the revision input',
      'revision',
    );
  }
  const vars = tagVariables(prov);
  const tagInput = input.tags;
  const latest = input.latest;
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
  const diffTag = input.diffTag;
  const format = input.format;
  const created = await resolveCreated(input.created, prov);
  const annotations = annotationsFrom({ created, source, revision, extra: input.annotations });

  // Pull-request previews: a fork gets a diff and a summary only; `comment` posts the preview.
  const preview = {
    repository: repository.name,
    path: pathLabel,
    compareTag: diffTag ?? 'latest',
  };
  if (pr?.fromFork) {
    const result = await previewFork(
      { client, build, layer: take(), diffRule: input.diffRule, ...preview },
      (l) => reportSkipped(l.skipped),
      isUserFault,
    );
    await reportForkPreview(input, pr, { revision, source, ...preview }, result);
    return;
  }
  // The signer is set up (a cosign key decrypted: scrypt, off the main thread) while the layer is
  // built; a bad signing input still fails before anything is pushed.
  const signer = early?.signer ?? makeSigner?.(ctx);
  signer?.catch(() => {});
  const plan: PublishPlan = {
    client,
    repository: repository.name,
    build,
    layer: take(),
    format,
    annotations,
    tags,
    ...(diffTag ? { diffTag } : {}),
    diffRule: input.diffRule,
    ...(input.comment && pr ? { compareTag: preview.compareTag } : {}),
  };
  const result = await publishArtifact(plan, {
    log: core.info,
    built: (layer) => {
      reportSkipped(layer.skipped);
      guardBuiltLayer(layer, {
        inputs: input.inputs,
        path,
        workspace: ctx.workspace,
        given: input.givenPath,
      });
    },
    ...(signer ? { signer } : {}),
    ...(early ? { warmAbort: early.abort } : {}),
    // The summary's OCIRepository, rendered while the signature settles (reportPublished
    // takes it when the signature reports the same).
    ...(signer
      ? {
          whileSigning: () => {
            signer
              .then((s) => {
                const expected = s?.expected?.();
                if (expected) return ociRepositoryYaml(repository.name, tags[0], expected);
              })
              .catch(() => {});
          },
        }
      : {}),
    // The signature is not confirmed stored: no tag moves, and the outputs say so.
    signFailed: (digest, pushed) =>
      setOutputs({
        digest,
        'digest-url': `${repository.name}@${digest}`,
        repository: repository.name,
        pushed,
        signed: false,
      }),
  }).catch((err: unknown) => {
    tagFailureOutputs(err);
    throw err;
  });
  await reportPublished(
    input,
    ctx,
    { source, revision, packaged, pr, signs: !!makeSigner, ...preview },
    result,
  );
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
