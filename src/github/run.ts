import * as core from '@actions/core';
import { describeError, UserError } from '../util/errors.js';
import { registryFailureMessage } from './registry-errors.js';

/**
 * Runs an entry point and turns any failure into one line on the step: a `UserError` as is, a
 * registry failure worded by registry-errors.ts, any other error as "unexpected error" (the stack goes to the debug log only, never to the user).
 */
export async function run(main: () => Promise<void>): Promise<void> {
  try {
    await main();
  } catch (err) {
    const registry = registryFailureMessage(err);
    if (err instanceof UserError) {
      core.setFailed(err.message);
    } else if (registry !== undefined) {
      if (err instanceof Error && err.stack) core.debug(err.stack);
      core.setFailed(registry);
    } else {
      if (err instanceof Error && err.stack) core.debug(err.stack);
      core.setFailed(`unexpected error: ${describeError(err)}`);
    }
  }
}
