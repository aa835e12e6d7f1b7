// Checkout awareness: what is packaged is what is checked out, so the revision and `created`
// are read from git in the workspace (HEAD, its parents, its commit time) and checked against
// what the event says should be there. Works on depth-1 clones (actions/checkout's default):
// git log's formats show a shallow commit without parents (the shallow graft), but its raw format
// prints the commit object as stored, which still names them, with the commit's own time.
import { execFile } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { promisify } from 'node:util';
import { UserError } from '../util/errors.js';
import { isPullRequestEvent, type Provenance, type WorkflowContext } from './context.js';

/** The commit checked out in the workspace, as git reports it. */
export interface Checkout {
  head: string;
  parents: string[];
  /** Committer time of HEAD (RFC 3339 with offset). */
  commitTime: string;
  /** HEAD's parents are not in the clone (git's `grafted`: a depth-1 clone). */
  shallow: boolean;
  /** The branch HEAD is attached to (actions/checkout checks branches out as local branches). */
  branch?: string;
  /** Tags pointing at HEAD (a tag checkout is detached at the tag). */
  tags: string[];
}

/** The environment for git: discovery from cwd only, never above the workspace. */
function gitEnv(ceiling: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, GIT_CEILING_DIRECTORIES: ceiling, LC_ALL: 'C' };
  // Set by hooks or wrappers, these would point git at another repository than the workspace's.
  for (const k of [
    'GIT_DIR',
    'GIT_WORK_TREE',
    'GIT_INDEX_FILE',
    'GIT_OBJECT_DIRECTORY',
    'GIT_COMMON_DIR',
  ])
    delete env[k];
  return env;
}

async function git(cwd: string, ceiling: string, args: string[]): Promise<string | undefined> {
  try {
    // promisify(execFile) here, not when this module loads: reading `execFile` loads
    // node:child_process (and net), which the first line does not need (issue 10's cold start;
    // scripts/build.mjs, lazyBuiltins).
    const { stdout } = await promisify(execFile)(
      'git',
      // The workspace may belong to another user (containers, act); reading it is safe here:
      // `git log` runs no hooks and touch no index, and fsmonitor is turned off.
      ['-c', 'safe.directory=*', '-c', 'core.fsmonitor=false', ...args],
      {
        cwd,
        env: gitEnv(ceiling),
        timeout: 15_000,
        maxBuffer: 1 << 20,
      },
    );
    return stdout.trim();
  } catch {
    return undefined; // no git, not a repository, or an unborn HEAD
  }
}

/**
 * Reads the checkout that holds `path` (a directory or file inside the workspace). Looks no
 * higher than the workspace, so a runner's own repository above it is never mistaken for it.
 * `undefined` when git is missing or there is no repository with a commit.
 */
export async function readCheckout(path: string, workspace: string): Promise<Checkout | undefined> {
  let start = resolve(path);
  if (!existsSync(start)) return undefined;
  if (!statSync(start).isDirectory()) start = dirname(start);
  const ceiling = dirname(resolve(workspace));
  // One process (each costs ~7 ms CPU to spawn): `--pretty=raw` prints the commit object as
  // stored, so its parents are the true ones even where a shallow clone grafts them away, and
  // its committer line carries the commit time; `--decorate=full` names HEAD's branch, its tags
  // and `grafted` (HEAD's parents are not in the clone: depth 1, actions/checkout's default).
  const out = await git(start, ceiling, [
    '-c',
    'color.ui=false',
    'log',
    '-1',
    '--no-show-signature',
    '--no-color',
    '--pretty=raw',
    '--decorate=full',
    'HEAD',
  ]);
  if (!out) return undefined;
  return parseRawLog(out);
}

/** `git log -1 --pretty=raw --decorate=full` of HEAD → the checkout; undefined if unreadable. */
function parseRawLog(out: string): Checkout | undefined {
  const header = out.split('\n\n', 1)[0] ?? '';
  const first = /^commit ([0-9a-f]{40})(?: \((.*)\))?$/m.exec(header);
  const committer = /^committer .* (\d+) ([+-])(\d\d)(\d\d)$/m.exec(header);
  if (!first?.[1] || !committer) return undefined;
  const decorations = first[2] ? first[2].split(', ') : [];
  const headRef = decorations.find((d) => d.startsWith('HEAD -> refs/heads/'));
  return {
    head: first[1],
    parents: [...header.matchAll(/^parent ([0-9a-f]{40})$/gm)].map((m) => m[1] as string),
    commitTime: isoWithOffset(
      Number(committer[1]),
      committer[2] as string,
      committer[3] as string,
      committer[4] as string,
    ),
    shallow: decorations.includes('grafted'),
    branch: headRef?.slice('HEAD -> refs/heads/'.length),
    tags: decorations
      .filter((d) => d.startsWith('tag: refs/tags/'))
      .map((d) => d.slice('tag: refs/tags/'.length)),
  };
}

/** A git timestamp as `%cI` prints it: the committer's local time with its offset. */
function isoWithOffset(epoch: number, sign: string, hh: string, mm: string): string {
  const offset = (sign === '-' ? -1 : 1) * (Number(hh) * 60 + Number(mm));
  const local = new Date((epoch + offset * 60) * 1000).toISOString().slice(0, 19);
  return `${local}${sign}${hh}:${mm}`;
}

/** `pr-content`: what a pull_request* job may package. */
export type PrContent = 'head' | 'merge';

export interface Packaged {
  /** Describes what is checked out (or, without git, what the event names). */
  provenance: Provenance;
  /** One-line notices for the log (mismatches that were relabelled, missing git). */
  notes: string[];
  checkout?: Checkout;
}

const short = (sha: string) => sha.slice(0, 7);

/** The exact checkout step that puts a PR's head commit in the workspace. */
const HEAD_CHECKOUT =
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a workflow expression, shown as is
  '"- uses: actions/checkout@v7" with "with: ref: ${{ github.event.pull_request.head.sha }}"';

/**
 * Reconciles the event's provenance with the checkout. Pull requests: the head commit is
 * packaged, or the job fails with the checkout lines to use; with `pr-content: merge` a merge
 * commit is packaged and labelled as the merge commit. Other events: a HEAD other than the
 * event's commit is packaged and labelled as what it is, with a notice.
 */
export function reconcile(
  ctx: WorkflowContext,
  event: Provenance,
  checkout: Checkout | undefined,
  prContent: PrContent = 'head',
): Packaged {
  if (!checkout) {
    return {
      provenance: event,
      notes: [
        `no git checkout in the workspace ${ctx.workspace}: revision and created come from the event (commit ${short(event.sha)}), which cannot be checked against the files`,
      ],
    };
  }
  const fromGit = { ...event, commitTime: checkout.commitTime };
  if (checkout.head === event.sha) return { provenance: fromGit, notes: [], checkout };

  if (isPullRequestEvent(ctx.eventName) && event.pull) {
    return reconcilePull(ctx, event, checkout, prContent);
  }
  if (event.fromPullRequest) {
    // A pull request's workflow_run: pr-<n> must hold that PR's commit, not the default branch.
    throw new UserError(
      `the workspace holds commit ${short(checkout.head)}, not the triggering pull request run's commit ${short(event.sha)}; nothing was pushed; check out that commit with "- uses: actions/checkout@v7" with "with: ref: \${{ github.event.workflow_run.head_sha }}"`,
      'path',
    );
  }
  // Not the event's commit (e.g. `ref:` given to actions/checkout): label what is there.
  const name = checkout.branch
    ? { refName: checkout.branch, refType: 'branch' as const }
    : checkout.tags[0]
      ? { refName: checkout.tags[0], refType: 'tag' as const }
      : { refName: undefined, refType: undefined };
  const provenance: Provenance = {
    ...event,
    ...name,
    sha: checkout.head,
    commitTime: checkout.commitTime,
  };
  const hint =
    ctx.eventName === 'workflow_run'
      ? // biome-ignore lint/suspicious/noTemplateCurlyInString: a workflow expression, shown as is
        '; to build the triggering run\'s commit, give actions/checkout "ref: ${{ github.event.workflow_run.head_sha }}"'
      : '';
  return {
    provenance,
    notes: [
      `the workspace holds commit ${short(checkout.head)}${name.refName ? ` (${name.refName})` : ''}, not the event's ${short(event.sha)}: packaging and labelling what is checked out${hint}`,
    ],
    checkout,
  };
}

function reconcilePull(
  ctx: WorkflowContext,
  event: Provenance,
  checkout: Checkout,
  prContent: PrContent,
): Packaged {
  const pull = event.pull as NonNullable<Provenance['pull']>;
  const pr = event.pr !== undefined ? `pull request #${event.pr}` : 'the pull request';
  const head = checkout.head;
  const isMerge =
    head === pull.mergeSha ||
    (checkout.parents.length === 2 && checkout.parents[1] === pull.headSha);
  const isBase =
    head === pull.baseSha || (ctx.eventName === 'pull_request_target' && head === ctx.sha);
  if (isMerge && prContent === 'merge') {
    return {
      provenance: {
        ...event,
        refName: event.pr !== undefined ? `pull/${event.pr}/merge` : undefined,
        refType: undefined,
        sha: head,
        commitTime: checkout.commitTime,
      },
      notes: [
        `packaging the merge commit ${short(head)} of ${pr} (its head ${short(pull.headSha)} merged into ${pull.baseRef ?? 'the base'}), labelled as such (pr-content: merge)`,
      ],
      checkout,
    };
  }
  // `ref: ${{ github.head_ref }}` on a re-run after new pushes: the branch's newer tip is still the
  // PR's head, labelled truthfully. Not for forks: their branch name means another repository.
  if (!isMerge && !isBase && !event.fork && event.refName && checkout.branch === event.refName) {
    return {
      provenance: { ...event, sha: head, commitTime: checkout.commitTime },
      notes: [
        `the workspace holds ${event.refName} at ${short(head)}, newer than the event's head ${short(pull.headSha)}: packaging and labelling what is checked out`,
      ],
      checkout,
    };
  }
  let what: string;
  if (isMerge) {
    const ref = event.pr !== undefined ? `refs/pull/${event.pr}/merge` : 'refs/pull/N/merge';
    what = `the merge commit ${short(head)} of ${pr} (${ref}, actions/checkout's default), not its head ${short(pull.headSha)}`;
  } else if (isBase) {
    what = `the base branch ${pull.baseRef ?? ''} at ${short(head)} (what ${ctx.eventName} checks out by default), not ${pr}'s head ${short(pull.headSha)}`;
  } else {
    what = `commit ${short(head)}, which is neither ${pr}'s head ${short(pull.headSha)} nor its merge commit`;
  }
  const alt = isMerge
    ? ', or set pr-content: merge to publish the merge result labelled as such'
    : '';
  // actions/checkout v7 will not check a fork's head out under pull_request_target by default:
  // say so rather than send the user into that refusal.
  const fork = event.fork
    ? ` (this pull request comes from a fork${ctx.eventName === 'pull_request_target' ? ', whose head actions/checkout v7 does not check out under pull_request_target by default' : ''}: see the README on fork pull requests)`
    : '';
  throw new UserError(
    `the workspace holds ${what}, so the artifact would not contain the commit it is labelled with; nothing was pushed; check out the head with ${HEAD_CHECKOUT}${alt}${fork}`,
    isMerge ? 'pr-content' : 'path',
  );
}
