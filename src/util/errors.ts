/**
 * An error the user can act on. Entry points print `message` as a single line (no stack trace),
 * so it must name the input at fault (when there is one) and say how to fix it.
 */
export class UserError extends Error {
  override readonly name = 'UserError';
  constructor(
    message: string,
    /** The action input at fault, e.g. `repository`; omitted when the cause is not an input. */
    readonly input?: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** A one-line description of any thrown value, for logs; never includes a stack trace. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message.split('\n')[0] ?? err.name;
  return String(err);
}
