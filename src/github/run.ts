import * as core from '@actions/core';
import { describeError, UserError } from '../util/errors.js';
import { fsReason } from './paths.js';
import { registryFailureMessage } from './registry-errors.js';

/**
 * Runs an entry point and turns any failure into one line on the step: a `UserError` as is, a
 * registry failure worded by registry-errors.ts, any file-system error as one line naming the
 * path, any other error as "unexpected error" (the stack goes to the debug log only, never to the user).
 */
export async function run(main: () => Promise<void>): Promise<void> {
  try {
    await main();
  } catch (err) {
    const registry = registryFailureMessage(err);
    const fs = err as NodeJS.ErrnoException;
    if (err instanceof UserError) {
      core.setFailed(err.message);
    } else if (registry !== undefined) {
      if (err instanceof Error && err.stack) core.debug(err.stack);
      core.setFailed(registry);
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
