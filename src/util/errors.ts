/**
 * An error the user can act on, already worded by src/github (or by code that reads an input).
 * Entry points print `message` as a single line (no stack trace), so it must name the input at
 * fault (when there is one) and say how to fix it. Domain code (src/oci, src/artifact,
 * src/signing) throws `CodedError`s instead, which src/github words.
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

/**
 * A domain failure as data, like sigstore-js's errors: a stable `code` and the `data` needed to
 * word it. `message` is a plain description for logs and tests; it names no action input and
 * gives no GitHub advice (src/github maps code + data to the line a user sees).
 */
export class CodedError<C extends string = string, D extends object = object> extends Error {
  constructor(
    readonly code: C,
    readonly data: D,
    message: string,
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

/** A message from another library folded onto one line (whitespace runs around line breaks). */
export function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
