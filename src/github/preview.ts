// Pull-request previews: the sticky comment (one per PR and artifact repository/path, found again
// by a hidden marker and updated in place) and its markdown.
import * as core from '@actions/core';
import type { ContentsDiff } from '../artifact/index.js';
import type { TreeDiff } from '../pipeline/diff.js';
import { apiError, apiFailure, createOctokit, type Octokit } from './octokit.js';
import type { PullRequestInfo } from './pull-request.js';
import { code, details } from './summary.js';

/** Files listed per section before "… and N more" (a comment holds at most 65,536 characters). */
const MAX_FILES = 200;

/** The hidden marker: one comment per artifact repository and path, so two publishes don't fight. */
export function commentMarker(repository: string, path: string): string {
  return `<!-- flux-oci-action:preview ${repository} ${path || '.'} -->`;
}

export interface PreviewFacts {
  repository: string;
  path: string;
  /** What the artifact was compared with (`latest`). */
  compareTag: string;
  diff: TreeDiff;
  digest?: string;
  tags: string[];
  pushed: boolean;
  revision: string;
  /** The OCIRepository with its verify block, when signed. */
  verifyYaml?: string;
  /** Why nothing was pushed (fork), shown instead of the digest. */
  notPublished?: string;
}

function fileList(title: string, items: readonly string[]): string {
  if (items.length === 0) return '';
  const shown = items.slice(0, MAX_FILES).map((f) => `- ${code(f)}`);
  if (items.length > MAX_FILES) shown.push(`- … and ${items.length - MAX_FILES} more`);
  return details(`${title} (${items.length})`, shown.join('\n'));
}

/** The file-level changes against the compared tag, as markdown (summary and comment). */
export function changesMarkdown(repository: string, compareTag: string, diff: TreeDiff): string {
  const target = code(`${repository}:${compareTag}`);
  if (!diff.remote) return `${target} does not exist yet: every file is new.\n`;
  const f: ContentsDiff = diff.files;
  const n = f.added.length + f.removed.length + f.modified.length;
  const head = `Compared with ${target} (${code(diff.remote.digest)}): `;
  if (!diff.changed) return `${head}no changes.\n`;
  if (n === 0) return `${head}the files are identical; only the archive bytes differ.\n`;
  return (
    `${head}${f.added.length} added, ${f.removed.length} removed, ${f.modified.length} modified.\n\n` +
    fileList('Added', f.added) +
    fileList('Removed', f.removed) +
    fileList('Modified', f.modified)
  );
}

export function commentBody(facts: PreviewFacts): string {
  const lines = [commentMarker(facts.repository, facts.path), ''];
  lines.push(`### Flux OCI preview: ${code(facts.repository)} (${code(facts.path || '.')})`, '');
  if (facts.notPublished) {
    lines.push(facts.notPublished, '');
  } else {
    lines.push(
      '| | |',
      '| --- | --- |',
      `| Tags | ${facts.tags.map(code).join(' ')} |`,
      `| Digest | ${code(facts.digest ?? '')} |`,
      `| Pushed | ${facts.pushed ? 'yes' : `no, unchanged since ${code(facts.compareTag)}`} |`,
      `| Revision | ${code(facts.revision)} |`,
      '',
    );
  }
  lines.push('#### Changes', '', changesMarkdown(facts.repository, facts.compareTag, facts.diff));
  if (facts.verifyYaml) lines.push('#### Verify', '', facts.verifyYaml);
  return `${lines.join('\n').trimEnd()}\n`;
}

interface CommentLike {
  id: number;
  body?: string | null;
  user?: { type?: string } | null;
}

/**
 * Creates the PR's comment carrying `marker`, or updates it. When several carry it (a user
 * quoted it), the bot's own comment wins.
 */
async function upsertComment(
  octokit: Octokit,
  repo: string,
  issue: number,
  marker: string,
  body: string,
): Promise<{ id: number; created: boolean }> {
  const [owner = '', name = ''] = repo.split('/');
  const all: CommentLike[] = await octokit.paginate(octokit.rest.issues.listComments, {
    owner,
    repo: name,
    issue_number: issue,
    per_page: 100,
  });
  const ours = all.filter((c) => c.body?.includes(marker));
  const existing = ours.find((c) => c.user?.type === 'Bot') ?? ours[0];
  if (existing) {
    await octokit.rest.issues.updateComment({ owner, repo: name, comment_id: existing.id, body });
    return { id: existing.id, created: false };
  }
  const { data } = await octokit.rest.issues.createComment({
    owner,
    repo: name,
    issue_number: issue,
    body,
  });
  return { id: data.id, created: true };
}

/**
 * Posts or updates the preview comment. A failure never fails the step (the artifact is already
 * published): it is one warning line saying which permission to add.
 */
export async function postPreviewComment(
  token: string | undefined,
  pr: PullRequestInfo,
  facts: PreviewFacts,
): Promise<number | undefined> {
  if (!token) {
    core.warning('comment: true needs github-token (default github.token); no comment posted');
    return undefined;
  }
  if (pr.fromFork && !pr.target) {
    core.notice(
      `pull request #${pr.number} comes from the fork ${pr.headRepo ?? '(deleted)'}: its token is read-only, so no comment was posted (the diff is in the job summary)`,
    );
    return undefined;
  }
  const published = facts.notPublished ? '' : '; the artifact itself was published';
  try {
    const octokit = await createOctokit(token);
    const r = await upsertComment(
      octokit,
      pr.baseRepo,
      pr.number,
      commentMarker(facts.repository, facts.path),
      commentBody(facts),
    );
    core.info(
      `${r.created ? 'posted' : 'updated'} the preview comment on pull request #${pr.number} (id ${r.id})`,
    );
    return r.id;
  } catch (err) {
    const { status, message } = apiFailure(err);
    if (status === 403 && /not accessible by integration/i.test(message ?? '')) {
      core.warning(
        `could not comment on pull request #${pr.number} (403 ${message}): add \`permissions: pull-requests: write\` to the job${published}`,
      );
    } else {
      core.warning(
        `${apiError(err, `comment on pull request #${pr.number}`, 'github-token').message}${published}`,
      );
    }
    return undefined;
  }
}
