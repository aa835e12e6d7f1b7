import { readFileSync } from 'node:fs';
import { UserError } from '../util/errors.js';

/** The parts of the workflow run context that artifact defaults are derived from. */
export interface WorkflowContext {
  eventName: string;
  /** The webhook payload of the triggering event (`$GITHUB_EVENT_PATH`). */
  event: Record<string, unknown>;
  /** `refs/heads/main`, `refs/tags/v1.2.3`, `refs/pull/7/merge`, … */
  ref: string;
  sha: string;
  /** `https://github.com` or a GHES URL. */
  serverUrl: string;
  /** `owner/name`. */
  repository: string;
  workspace: string;
}

/** Reads the context the runner provides through environment variables. */
export function contextFromEnv(env: NodeJS.ProcessEnv = process.env): WorkflowContext {
  let event: Record<string, unknown> = {};
  const path = env.GITHUB_EVENT_PATH;
  if (path) {
    try {
      event = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    } catch {
      // A missing or unreadable payload only removes defaults; inputs can still be given.
    }
  }
  return {
    eventName: env.GITHUB_EVENT_NAME ?? '',
    event,
    ref: env.GITHUB_REF ?? '',
    sha: env.GITHUB_SHA ?? '',
    serverUrl: (env.GITHUB_SERVER_URL ?? 'https://github.com').replace(/\/+$/, ''),
    repository: env.GITHUB_REPOSITORY ?? '',
    workspace: env.GITHUB_WORKSPACE ?? process.cwd(),
  };
}

/** What the triggering event says about the commit being built. */
export interface Provenance {
  /** Short ref name (`main`, `v1.2.3`, PR head branch); `undefined` when there is none. */
  refName?: string;
  refType?: 'branch' | 'tag';
  /** The commit built: the PR head for pull_request events, never the merge commit. */
  sha: string;
  /** Pull request number for pull_request* events. */
  pr?: number;
  /** The commit's timestamp when the payload (or git, see checkout.ts) gives it. */
  commitTime?: string;
  /** The repository's default branch (payload `repository.default_branch`), when known. */
  defaultBranch?: string;
  /** The commit comes from another repository (a fork's PR or a fork's workflow_run). */
  fork?: boolean;
  /** workflow_run triggered by a pull_request* run (its number may be missing for forks). */
  fromPullRequest?: boolean;
  /** For pull_request* events: the commits actions/checkout may have put in the workspace. */
  pull?: { headSha: string; baseSha?: string; baseRef?: string; mergeSha?: string };
}

const PR_EVENTS = new Set([
  'pull_request',
  'pull_request_target',
  'pull_request_review',
  'pull_request_review_comment',
]);
/** Events with documented defaults (README "Defaults per event"); others need `tags`. */
export const KNOWN_EVENTS: readonly string[] = [
  'push',
  'release',
  'workflow_dispatch',
  'schedule',
  'repository_dispatch',
  'merge_group',
  'workflow_run',
  'create',
  ...PR_EVENTS,
];
const KNOWN = new Set(KNOWN_EVENTS);

export function isPullRequestEvent(eventName: string): boolean {
  return PR_EVENTS.has(eventName);
}

/** A field of the event payload (or any JSON object) by path; undefined when absent. */
export function get(obj: unknown, ...path: string[]): unknown {
  let cur = obj;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function parseRef(ref: string): Pick<Provenance, 'refName' | 'refType'> {
  if (ref.startsWith('refs/heads/')) return { refName: ref.slice(11), refType: 'branch' };
  if (ref.startsWith('refs/tags/')) return { refName: ref.slice(10), refType: 'tag' };
  return {};
}

/** `commit.timestamp` when that commit is the one built. */
function timeOf(commit: unknown, sha: string): string | undefined {
  return str(get(commit, 'id')) === sha ? str(get(commit, 'timestamp')) : undefined;
}

/** Derives the ref, commit and PR number from the event, per event type. */
export function provenance(ctx: WorkflowContext): Provenance {
  const repoName = str(get(ctx.event, 'repository', 'full_name'));
  // schedule payloads carry no repository; a scheduled run is always on the default branch.
  const defaultBranch =
    str(get(ctx.event, 'repository', 'default_branch')) ??
    (ctx.eventName === 'schedule' ? parseRef(ctx.ref).refName : undefined);
  const base = { defaultBranch };
  if (PR_EVENTS.has(ctx.eventName)) {
    const pr = get(ctx.event, 'pull_request');
    const headSha = str(get(pr, 'head', 'sha')) ?? ctx.sha;
    const number = get(pr, 'number') ?? get(ctx.event, 'number');
    const headRepo = str(get(pr, 'head', 'repo', 'full_name'));
    return {
      ...base,
      refName: str(get(pr, 'head', 'ref')),
      refType: 'branch',
      sha: headSha,
      pr: typeof number === 'number' ? number : undefined,
      fork: headRepo !== undefined && repoName !== undefined && headRepo !== repoName,
      pull: {
        headSha,
        baseSha: str(get(pr, 'base', 'sha')),
        baseRef: str(get(pr, 'base', 'ref')),
        // pull_request runs on refs/pull/N/merge: GITHUB_SHA is the merge commit checked out.
        mergeSha:
          ctx.ref.endsWith('/merge') && ctx.sha
            ? ctx.sha
            : (str(get(pr, 'merge_commit_sha')) ?? undefined),
      },
    };
  }
  if (ctx.eventName === 'release') {
    const tag = str(get(ctx.event, 'release', 'tag_name'));
    return tag
      ? { ...base, refName: tag, refType: 'tag', sha: ctx.sha }
      : { ...base, ...parseRef(ctx.ref), sha: ctx.sha };
  }
  if (ctx.eventName === 'workflow_run') {
    // The run that triggered this one: its branch and commit, not the default branch's tip.
    const run = get(ctx.event, 'workflow_run');
    const sha = str(get(run, 'head_sha')) ?? ctx.sha;
    const headRepo = str(get(run, 'head_repository', 'full_name'));
    const prs = get(run, 'pull_requests');
    const prNumber = Array.isArray(prs) ? get(prs[0], 'number') : undefined;
    const fromPr = str(get(run, 'event'))?.startsWith('pull_request') ?? false;
    return {
      ...base,
      refName: str(get(run, 'head_branch')),
      refType: 'branch',
      sha,
      pr: fromPr && typeof prNumber === 'number' ? prNumber : undefined,
      commitTime: timeOf(get(run, 'head_commit'), sha),
      fromPullRequest: fromPr,
      fork: headRepo !== undefined && repoName !== undefined && headRepo !== repoName,
    };
  }
  if (ctx.eventName === 'merge_group') {
    const group = get(ctx.event, 'merge_group');
    const sha = str(get(group, 'head_sha')) ?? ctx.sha;
    return {
      ...base,
      ...parseRef(str(get(group, 'head_ref')) ?? ctx.ref),
      sha,
      commitTime: timeOf(get(group, 'head_commit'), sha),
    };
  }
  return {
    ...base,
    ...parseRef(ctx.ref),
    sha: ctx.sha,
    commitTime: timeOf(get(ctx.event, 'head_commit'), ctx.sha),
  };
}

/** `$GITHUB_SERVER_URL/$GITHUB_REPOSITORY`, so GHES works. */
export function defaultSource(ctx: WorkflowContext): string | undefined {
  return ctx.repository ? `${ctx.serverUrl}/${ctx.repository}` : undefined;
}

/** RFC-0005 revision `<short ref>@sha1:<commit>`; `sha1:<commit>` when no ref name is known. */
export function defaultRevision(p: Provenance): string | undefined {
  if (!/^[0-9a-f]{40}$/.test(p.sha)) return undefined;
  return p.refName ? `${p.refName}@sha1:${p.sha}` : `sha1:${p.sha}`;
}

/** Turns any text into a valid OCI tag: `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`. */
export function sanitizeTag(text: string): string {
  let t = text.replace(/[^A-Za-z0-9_.-]/g, '-');
  if (!/^[A-Za-z0-9_]/.test(t)) t = `_${t}`;
  return t.slice(0, 128);
}

export interface TagVariables {
  branch?: string;
  tag?: string;
  /** The short (7-character) commit SHA, as metadata-action's `{{sha}}`. */
  sha: string;
  /** The same as `sha`, the name this action used before `{{sha}}` was aligned with metadata-action. */
  'short-sha': string;
  /** The full 40-character commit SHA. */
  'long-sha': string;
  pr?: string;
  version?: string;
  major?: string;
  minor?: string;
  patch?: string;
}

export function tagVariables(p: Provenance): TagVariables {
  const short = p.sha.slice(0, 7);
  const vars: TagVariables = { sha: short, 'short-sha': short, 'long-sha': p.sha };
  if (p.refType === 'branch' && p.refName) vars.branch = sanitizeTag(p.refName);
  if (p.refType === 'tag' && p.refName) {
    vars.tag = sanitizeTag(p.refName);
    const m = /^v?(\d+)\.(\d+)\.(\d+)(?:[-+].*)?$/.exec(p.refName);
    if (m) {
      vars.version = p.refName.replace(/^v/, '');
      vars.major = m[1];
      vars.minor = m[2];
      vars.patch = m[3];
    }
  }
  if (p.pr !== undefined) vars.pr = String(p.pr);
  return vars;
}

export type LatestMode = 'auto' | 'true' | 'false';

/** Whether `latest` joins the default tags (the `latest` input, like metadata-action's flavor). */
function wantsLatest(p: Provenance, mode: LatestMode): boolean {
  if (p.pr !== undefined || mode === 'false') return false;
  if (mode === 'true') return true;
  // auto: the repository's own default branch only; a fork's "main" is not ours.
  return (
    p.refType === 'branch' && p.refName !== undefined && p.refName === p.defaultBranch && !p.fork
  );
}

/**
 * The tags an event gets when the `tags` input is not set (the table in README "Defaults per
 * event"): pull requests `pr-<number>`; Git tags the tag; branches `<branch>-<short sha>`, plus
 * `latest` on the default branch (`latest: auto`).
 */
export function defaultTags(
  eventName: string,
  p: Provenance,
  latest: LatestMode = 'auto',
): string[] {
  const vars = tagVariables(p);
  if (p.pr !== undefined) return [`pr-${vars.pr}`];
  if (!KNOWN.has(eventName)) {
    throw new UserError(
      `there are no default tags for the "${eventName || 'unknown'}" event; set the tags input (e.g. tags: latest)`,
      'tags',
    );
  }
  if (PR_EVENTS.has(eventName) || p.fromPullRequest) {
    throw new UserError(
      `cannot derive default tags: the ${eventName} payload names no pull request number (a fork's pull request has none in workflow_run); set the tags input`,
      'tags',
    );
  }
  const withLatest = (tags: string[]) => (wantsLatest(p, latest) ? ['latest', ...tags] : tags);
  if (vars.tag) return withLatest([vars.tag]);
  if (vars.branch) return withLatest([sanitizeTag(`${vars.branch}-${vars['short-sha']}`)]);
  throw new UserError(
    `cannot derive default tags: the workflow ref is neither a branch nor a tag; set the tags input`,
    'tags',
  );
}

/**
 * Expands `{{name}}` placeholders (`branch`, `tag`, `sha` (short), `short-sha`, `long-sha`, `pr`,
 * `version`, `major`, `minor`, `patch`; README lists them with examples) in user-given tags; a placeholder without a value in this event is an error.
 */
export function expandTag(template: string, vars: TagVariables, input = 'tags'): string {
  const expanded = template.replace(/\{\{\s*([a-z-]+)\s*\}\}/g, (_, name: string) => {
    const value = (vars as unknown as Record<string, string | undefined>)[name];
    if (value === undefined) {
      throw new UserError(
        `input ${input}: "${template}" uses {{${name}}}, which has no value for this event; use another value`,
        input,
      );
    }
    return value;
  });
  return expanded;
}
