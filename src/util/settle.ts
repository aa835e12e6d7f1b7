/**
 * `Promise.all` that waits for every promise before it rejects: when one step of a signature
 * fails, its siblings (an upload, the other format's writer) must not outlive the step that
 * reports the failure. Rejects with the first failure in argument order.
 */
export async function allSettled<T extends readonly unknown[] | []>(
  values: T,
): Promise<{ -readonly [P in keyof T]: Awaited<T[P]> }> {
  const settled = (await Promise.allSettled(values)) as PromiseSettledResult<unknown>[];
  for (const s of settled) if (s.status === 'rejected') throw s.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<unknown>).value) as {
    -readonly [P in keyof T]: Awaited<T[P]>;
  };
}
