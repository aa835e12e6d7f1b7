// What publish@v1 and push@v1 report: the outputs, the job summary and (comment: true) the
// preview comment of a publish, and of a fork's preview.
import * as core from '@actions/core';
import { manifestAnnotations, REVISION_ANNOTATION, SOURCE_ANNOTATION } from '../artifact/index.js';
import type { ForkPreviewResult, PublishResult } from '../pipeline/publish.js';
import type { WorkflowContext } from './context.js';
import { failureMessage } from './errors.js';
import { ociRepositoryYaml } from './ocirepository-yaml.js';
import { setOutputs } from './outputs.js';
import { changesMarkdown, postPreviewComment } from './preview.js';
import type { PublishInputs } from './publish.js';
import type { PullRequestInfo } from './pull-request.js';
import type { SignedWith } from './signing.js';
import { code, table, writeSummary } from './summary.js';

export interface Published {
  repository: string;
  path: string;
  compareTag: string;
  source: string;
  revision: string;
  packaged: { checkout?: { head: string; shallow: boolean } };
  pr?: PullRequestInfo;
  /** Whether this entry point signs at all (push@v1 has no `signed` output). */
  signs: boolean;
}

/** Outputs, the job summary and (comment: true) the preview comment of a publish. */
export async function reportPublished(
  input: PublishInputs,
  ctx: WorkflowContext,
  p: Published,
  r: PublishResult,
): Promise<void> {
  const { layer, manifest, pushed, signed, tagged } = r;
  const format = input.format;
  // When unchanged, report the annotations of the artifact the tags point at.
  const annotationsNow = manifestAnnotations(manifest.bytes);
  const digestUrl = `${p.repository}@${manifest.digest}`;
  const outputs = {
    digest: manifest.digest,
    'digest-url': digestUrl,
    url: `oci://${digestUrl}`,
    repository: p.repository,
    tags: tagged.tags,
    moved: tagged.moved.map((m) => m.tag),
    'rolled-back': [],
    pushed,
    signed: p.signs ? signed !== undefined : undefined,
    source: annotationsNow[SOURCE_ANNOTATION] ?? p.source,
    revision: annotationsNow[REVISION_ANNOTATION] ?? p.revision,
    'layer-digest': layer.digest,
    'signature-format': signed?.formats,
    'flux-version': format.line,
    'decided-by': r.decidedBy,
    'certificate-identity': signed?.certificateIdentity,
    'certificate-oidc-issuer': signed?.certificateOidcIssuer,
    'public-key': signed?.publicKey,
    // publish's sign step is src/github's signDigest, which returns a SignedWith
    'bundle-path': (signed as SignedWith | undefined)?.bundlePath,
  };
  // `tag` mirrors `flux push artifact -o json` (the first tag).
  setOutputs(outputs, { tag: tagged.tags[0] });

  const rows = [
    ['Repository', code(p.repository)],
    ['Digest', code(manifest.digest)],
    ['Tags', tagged.tags.map(code).join(' ')],
    ['Pushed', pushed ? 'yes' : `no, unchanged since ${code(input.diffTag ?? '')}`],
    ['Source', outputs.source],
    ['Revision', code(outputs.revision)],
    [
      'Packaged from',
      p.packaged.checkout
        ? `git checkout at ${code(p.packaged.checkout.head.slice(0, 12))}${p.packaged.checkout.shallow ? ' (shallow)' : ''}`
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
  if (r.alreadySigned) rows.push(['Signature', 'already signed, not signed again']);
  if (signed) {
    rows.push(['Signature', signed.formats.map(code).join(' ')]);
    if (signed.certificateIdentity) rows.push(['Signed by', code(signed.certificateIdentity)]);
  }
  const verifyYaml = signed ? await ociRepositoryYaml(p.repository, tagged.tags[0], signed) : '';
  let changes = '';
  if (r.diff && p.pr) {
    const diff = r.diff;
    changes = `### Changes\n\n${changesMarkdown(p.repository, p.compareTag, diff)}\n`;
    const facts = {
      repository: p.repository,
      path: p.path,
      compareTag: p.compareTag,
      diff,
      digest: manifest.digest,
      tags: tagged.tags,
      pushed,
    };
    await postPreviewComment(input.inputs.secret('github-token'), p.pr, {
      ...facts,
      revision: outputs.revision,
      ...(verifyYaml ? { verifyYaml } : {}),
    });
  } else if (input.comment) {
    core.info(
      `comment: true comments on pull_request events only (this is ${ctx.eventName || 'no event'})`,
    );
  }
  await writeSummary(
    input.summary,
    `## Flux OCI artifact ${pushed ? 'published' : 'unchanged'}\n\n${table(['', ''], rows)}\n${changes}${verifyYaml}`,
  );
}

/**
 * A pull request from a fork: its `pull_request` token is read-only and it has no OIDC token, and
 * under `pull_request_target` its content is untrusted while the token and signing identity are
 * the base repository's. So: build, compare with the deployed tag, report; never push, sign or tag.
 */
export async function reportForkPreview(
  input: PublishInputs,
  pr: PullRequestInfo,
  f: { repository: string; path: string; compareTag: string; revision: string; source: string },
  { layer, diff, compareError }: ForkPreviewResult,
): Promise<void> {
  let changes: string;
  if (diff) changes = changesMarkdown(f.repository, f.compareTag, diff);
  else {
    const message = failureMessage(compareError) ?? '';
    changes = `Could not read ${code(`${f.repository}:${f.compareTag}`)} to compare: ${message}\n`;
    core.warning(`could not compare with ${f.repository}:${f.compareTag}: ${message}`);
  }
  const why = `pull request #${pr.number} comes from the fork ${pr.headRepo ?? '(deleted)'}: built and compared with ${f.compareTag} only; nothing pushed, signed or tagged (a fork's token is read-only and it has no OIDC token)`;
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
    input.summary,
    `## Flux OCI preview of a fork: not published\n\n${why}.\n\n` +
      `Layer ${code(layer.digest)} (${layer.size} bytes, ${layer.entries} entries), revision ${code(f.revision)}.\n\n### Changes\n\n${changes}`,
  );
  if (input.comment && diff) {
    await postPreviewComment(input.inputs.secret('github-token'), pr, {
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
