// The CLI command lines the CLI pipeline benchmarks run (bench/pipeline.ts, bench/requests.ts):
// one place, so both measure the same CLI steps.

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

/** `cosign sign` with a cosign key and no transparency log (what Flux's key verification reads). */
export function cosignKeySignArgs(keyPath: string, cosign: 'cosign2' | 'cosign3'): string[] {
  return [
    'sign',
    '--yes',
    '--allow-http-registry',
    '--key',
    keyPath,
    '--tlog-upload=false',
    // cosign v3 would otherwise take a Rekor from the public signing config.
    ...(cosign === 'cosign3' ? ['--use-signing-config=false'] : []),
  ];
}
