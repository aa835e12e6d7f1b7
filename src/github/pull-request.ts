// The pull request an event is about, and whether it comes from a fork.
import { get, type WorkflowContext } from './context.js';

export interface PullRequestInfo {
  number: number;
  /** `owner/name` of the base repository (where the workflow runs). */
  baseRepo: string;
  /** `owner/name` of the head repository; undefined when the fork was deleted. */
  headRepo?: string;
  /**
   * The head lives in another repository. Compared by name, not `head.repo.fork`: that flag is
   * also true for a same-repository PR in a repository that is itself a fork.
   */
  fromFork: boolean;
  /** The event runs with the base repository's token (`pull_request_target`). */
  target: boolean;
}

const PR_EVENTS = new Set(['pull_request', 'pull_request_target', 'pull_request_review']);

export function pullRequestOf(ctx: WorkflowContext): PullRequestInfo | undefined {
  if (!PR_EVENTS.has(ctx.eventName)) return undefined;
  const pr = get(ctx.event, 'pull_request');
  const number = get(pr, 'number') ?? get(ctx.event, 'number');
  if (typeof number !== 'number') return undefined;
  const base = get(pr, 'base', 'repo', 'full_name');
  const head = get(pr, 'head', 'repo', 'full_name');
  const baseRepo = typeof base === 'string' ? base : ctx.repository;
  const headRepo = typeof head === 'string' ? head : undefined;
  return {
    number,
    baseRepo,
    ...(headRepo ? { headRepo } : {}),
    // `head.repo` is null when the fork was deleted; absent only in hand-made payloads.
    fromFork:
      get(pr, 'head', 'repo') === null ||
      (headRepo !== undefined && headRepo.toLowerCase() !== baseRepo.toLowerCase()),
    target: ctx.eventName === 'pull_request_target',
  };
}
