// Real git repositories made by tests: an "origin" shaped like a GitHub repository with a pull
// request (refs/pull/N/head and the test-merge commit refs/pull/N/merge), and workspaces checked
// out from it the way actions/checkout does (depth-1 fetch of one commit, then checkout).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const IDENT = ['-c', 'user.name=Test', '-c', 'user.email=test@example.com'];

export function git(cwd: string, args: string[], date?: string): string {
  const env = { ...process.env, LC_ALL: 'C', GIT_CONFIG_NOSYSTEM: '1' };
  if (date) Object.assign(env, { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date });
  return execFileSync('git', [...IDENT, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
    .toString()
    .trim();
}

function commit(dir: string, files: Record<string, string>, message: string, date: string) {
  for (const [f, body] of Object.entries(files)) {
    mkdirSync(join(dir, f, '..'), { recursive: true });
    writeFileSync(join(dir, f), body);
  }
  git(dir, ['add', '-A']);
  git(dir, ['commit', '-qm', message], date);
  return git(dir, ['rev-parse', 'HEAD']);
}

/** `dir` as a one-commit checkout of branch main (what actions/checkout leaves); returns the sha. */
export function commitCheckout(dir: string): string {
  git(dir, ['init', '-q', '-b', 'main']);
  git(dir, ['add', '-A']);
  git(dir, ['commit', '-qm', 'deploy']);
  return git(dir, ['rev-parse', 'HEAD']);
}

export interface Origin {
  dir: string;
  url: string;
  /** main before the PR branched off. */
  first: string;
  /** PR head (branch feature/preview). */
  head: string;
  headTime: string;
  /** main's tip after the PR branched (the PR's base). */
  base: string;
  baseTime: string;
  /** The test-merge commit GitHub keeps at refs/pull/<pr>/merge: parents [base, head]. */
  merge: string;
  mergeTime: string;
  pr: number;
}

/** An origin repository with main, a PR branch and GitHub's refs/pull/<pr>/{head,merge}. */
export function makeOrigin(root: string, pr = 7): Origin {
  const dir = join(root, 'origin');
  mkdirSync(dir, { recursive: true });
  git(dir, ['init', '-q', '-b', 'main']);
  git(dir, ['config', 'uploadpack.allowAnySHA1InWant', 'true']);
  const first = commit(
    dir,
    { 'deploy/app.yaml': 'kind: ConfigMap\nmetadata:\n  name: app\n' },
    'first',
    '2026-01-01T10:00:00+00:00',
  );
  git(dir, ['checkout', '-q', '-b', 'feature/preview']);
  const headTime = '2026-01-02T11:00:00+02:00';
  const head = commit(dir, { 'deploy/preview.yaml': 'kind: Namespace\n' }, 'preview', headTime);
  git(dir, ['checkout', '-q', 'main']);
  const baseTime = '2026-01-03T12:00:00+00:00';
  const base = commit(dir, { 'deploy/base.yaml': 'kind: Secret\n' }, 'base moves on', baseTime);
  // GitHub's test merge: a detached merge of the head into the base, kept under refs/pull.
  git(dir, ['checkout', '-q', '--detach', base]);
  const mergeTime = '2026-01-04T13:00:00+00:00';
  git(dir, ['merge', '-q', '--no-ff', '-m', `Merge ${head} into ${base}`, head], mergeTime);
  const merge = git(dir, ['rev-parse', 'HEAD']);
  git(dir, ['update-ref', `refs/pull/${pr}/merge`, merge]);
  git(dir, ['update-ref', `refs/pull/${pr}/head`, head]);
  git(dir, ['checkout', '-q', 'main']);
  return {
    dir,
    url: `file://${dir}`,
    first,
    head,
    headTime,
    base,
    baseTime,
    merge,
    mergeTime,
    pr,
  };
}

/**
 * A workspace checked out like actions/checkout: `git init`, a depth-1 fetch of one ref or
 * commit, then a checkout of it (`branch` makes it a local branch as checkout does for branches).
 */
export function checkoutLike(
  origin: Origin,
  ref: string,
  opts: { branch?: string; root?: string } = {},
): string {
  const ws = mkdtempSync(join(opts.root ?? tmpdir(), 'ws-'));
  git(ws, ['init', '-q']);
  git(ws, ['remote', 'add', 'origin', origin.url]);
  const target = opts.branch ? `refs/remotes/origin/${opts.branch}` : 'refs/remotes/checkout';
  git(ws, ['fetch', '-q', '--no-tags', '--depth=1', 'origin', `+${ref}:${target}`]);
  if (opts.branch) git(ws, ['checkout', '-q', '--force', '-B', opts.branch, target]);
  else git(ws, ['checkout', '-q', '--force', '--detach', target]);
  return ws;
}
