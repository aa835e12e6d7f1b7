// The README form of a runner-test workflow: the same file without its test-only parts (the
// header comment, the loopback Sigstore URLs, the registry variable and the assertion steps).
const REGISTRY_VAR = ['$', "{{ vars.REGISTRY || 'ghcr.io' }}"].join('');

export function readmeForm(workflow: string): string {
  const out: string[] = [];
  let skipping = false;
  let header = true;
  for (const line of workflow.split('\n')) {
    if (header && line.startsWith('#')) continue;
    header = false;
    if (line.trim() === '# test assertions') {
      skipping = true;
      continue;
    }
    // The assertion steps end where the next job (two-space key) begins.
    if (skipping && /^ {0,2}\S/.test(line)) skipping = false;
    if (skipping) continue;
    if (/vars\.(FULCIO_URL|REKOR_URL)/.test(line)) continue;
    out.push(line.replace(REGISTRY_VAR, 'ghcr.io'));
  }
  return `${out.join('\n').trimEnd()}\n`;
}
