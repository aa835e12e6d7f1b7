// The CLI command lines the CLI pipeline benchmarks run (bench/pipeline.ts, bench/requests.ts):
// one place, so both measure the same CLI steps. `cosign sign --key`'s is in test/harness/tools.ts
// (the concurrency harness runs it too).

/**
 * Arguments for `flux push artifact <target>` of `path`, with the JSON output parsed after;
 * `from`: the source and revision a workflow reads from its checkout (else fixed ones).
 */
export function fluxPushArgs(
  target: string,
  path: string,
  from: { source: string; revision: string } = {
    source: 'https://github.com/org/app',
    revision: `main@sha1:${'a'.repeat(40)}`,
  },
): string[] {
  return [
    'push',
    'artifact',
    target,
    '--path',
    path,
    '--source',
    from.source,
    '--revision',
    from.revision,
    '--output',
    'json',
  ];
}
