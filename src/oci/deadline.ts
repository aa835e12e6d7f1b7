// Time limits of registry operations: one operation's own limit and an overall deadline that
// several clients can share.

export interface Deadline {
  /** Epoch time in ms. */
  at: number;
  /** The budget it came from (for messages). */
  limitMs: number;
}

/** A deadline `limitMs` from now. */
export function deadlineIn(limitMs: number): Deadline {
  return { at: Date.now() + limitMs, limitMs };
}

/** The abort reason of a deadline we set (overall `timeout`, or one operation's limit). */
export class DeadlineReached extends Error {
  override readonly name = 'DeadlineReached';
  constructor(readonly limitMs: number) {
    super(`deadline of ${limitMs} ms reached`);
  }
}

interface OperationLimits {
  /** Per operation; default 5 minutes, or none when there is an overall deadline. */
  timeoutMs?: number;
  deadline?: Deadline;
  signal?: AbortSignal;
}

/**
 * One operation's signal: aborted by the caller's signal, the operation limit or the overall
 * deadline, whichever comes first, with a `DeadlineReached` reason naming the limit.
 */
export function operationSignal(limits: OperationLimits): AbortSignal {
  const deadline = limits.deadline;
  // With an overall deadline, operations have no limit of their own unless one is given.
  const opLimit = limits.timeoutMs ?? (deadline ? Number.POSITIVE_INFINITY : 5 * 60_000);
  const left = deadline ? deadline.at - Date.now() : Number.POSITIVE_INFINITY;
  const overall = deadline !== undefined && left <= opLimit;
  const controller = new AbortController();
  const reason = new DeadlineReached(overall ? deadline.limitMs : opLimit);
  if (left <= 0) controller.abort(reason);
  else setTimeout(() => controller.abort(reason), Math.min(left, opLimit)).unref();
  return limits.signal ? AbortSignal.any([limits.signal, controller.signal]) : controller.signal;
}
