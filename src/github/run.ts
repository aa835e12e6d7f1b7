import * as core from '@actions/core';
import { describeError, UserError } from '../util/errors.js';
import { failureMessage } from './errors.js';
import { fsReason } from './paths.js';

/**
 * Runs an entry point and turns any failure into one line on the step: a `UserError` as is, a
 * domain error (registry, signing) worded by errors.ts, any file-system error as one line naming the
 * path, any other error as "unexpected error" (the stack goes to the debug log only, never to the user).
 */
export async function run(main: () => Promise<void>): Promise<void> {
  try {
    await runOnce(main);
  } finally {
    exitWhenLeftOver();
  }
}

/** Marks the debug line of a step that finished but would not exit (tests fail on it). */
export const LEFTOVER_MARK = 'finished, but still running:';

/**
 * A finished step must end: a socket or timer left behind (a bug of ours) would otherwise hold the
 * job until its timeout. After a grace period the process exits with the step's result, and the
 * debug log names what was left. The timer is unref'd, so a clean step exits at once.
 */
function exitWhenLeftOver(graceMs = 5_000): void {
  setTimeout(() => {
    core.debug(`${LEFTOVER_MARK} ${process.getActiveResourcesInfo().join(', ')}`);
    process.exit();
  }, graceMs).unref();
}

async function runOnce(main: () => Promise<void>): Promise<void> {
  try {
    await main();
  } catch (err) {
    const line = failureMessage(err);
    const fs = err as NodeJS.ErrnoException;
    if (err instanceof UserError) {
      core.setFailed(err.message);
    } else if (line !== undefined) {
      if (err instanceof Error && err.stack) core.debug(err.stack);
      core.setFailed(line);
    } else if (typeof fs?.code === 'string' && typeof fs.path === 'string' && fs.syscall) {
      // A file the user or the runner set up (Docker config, workspace files) that cannot be used.
      if (fs.stack) core.debug(fs.stack);
      core.setFailed(
        `cannot ${fs.syscall} ${fs.path} (${fsReason(err)}); check that path and its permissions`,
      );
    } else {
      if (err instanceof Error && err.stack) core.debug(err.stack);
      core.setFailed(`unexpected error: ${describeError(err)}`);
    }
  }
}
