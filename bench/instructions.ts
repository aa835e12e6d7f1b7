// CPU work of one publish, counted in instructions (valgrind's cachegrind, every thread of the
// step's process; the git child is not counted): on a shared 2-core machine wall and CPU times
// follow the others' load, an instruction count much less so (±1–2% between runs). Runs
// dist/publish.js under Node 24 per variant (unsigned; keyless and key, both formats) against the
// loopback registry and Sigstore stack, for one or more bundles side by side.
// Usage: node --import tsx bench/instructions.ts [--dists DIR,DIR] [--only keyless] [--runs 1]
//   --dists: absolute bundle directories (default: this checkout's dist), e.g. an older commit's
//   `npm run build` output first, to compare. Needs valgrind on PATH; ~1 min per publish.
import { generateKeyPairSync } from 'node:crypto';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encryptCosignKey } from '../src/signing/key.js';
import { runAction } from '../test/harness/action.js';
import { startKeyless } from '../test/harness/keyless.js';
import { startRegistry } from '../test/harness/registry.js';
import { REPO_ROOT, toolPath } from '../test/harness/tools.js';
import { flag } from './args.js';
import { writeBenchTree } from './tree.js';

const dists = flag('--dists', join(REPO_ROOT, 'dist')).split(',');
const only = flag('--only', '');
const runs = Number(flag('--runs', '1'));

const ws = mkdtempSync(join(tmpdir(), 'bench-instructions-'));
const home = mkdtempSync(join(tmpdir(), 'bench-instructions-home-'));
// valgrind drops environment variables whose names hold a hyphen (INPUT_COSIGN-KEY…): the
// wrapper hands them over in a file that a preload puts back before the step reads its inputs.
const wrapper = join(home, 'node');
const restore = join(home, 'restore-env.cjs');
writeFileSync(
  wrapper,
  `#!/usr/bin/python3
import json, os, sys, tempfile
fd, path = tempfile.mkstemp(prefix='env-', suffix='.json', dir=${JSON.stringify(home)})
with os.fdopen(fd, 'w') as f:
    json.dump({k: v for k, v in os.environ.items() if '-' in k}, f)
os.environ['BENCH_ENV_FILE'] = path
os.execvp('valgrind', ['valgrind', '--tool=cachegrind', '--cache-sim=no', '-q',
  '--cachegrind-out-file=' + os.environ['BENCH_CG_OUT'], ${JSON.stringify(toolPath('node24'))},
  '--require', ${JSON.stringify(restore)}] + sys.argv[1:])
`,
);
chmodSync(wrapper, 0o755);
writeFileSync(
  restore,
  `const fs = require('node:fs');
const f = process.env.BENCH_ENV_FILE;
delete process.env.BENCH_ENV_FILE;
delete process.env.BENCH_CG_OUT;
if (f) { Object.assign(process.env, JSON.parse(fs.readFileSync(f, 'utf8'))); fs.rmSync(f); }
`,
);

const registry = await startRegistry({});
const keyless = await startKeyless({ repository: 'org/app', ref: 'refs/heads/main' });
const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const keyPEM = await encryptCosignKey(privateKey, 'bench');
type Variant = { name: string; inputs: Record<string, string>; env: Record<string, string> };
const all: Variant[] = [
  { name: 'unsigned', inputs: { sign: 'false' }, env: {} },
  {
    name: 'keyless, both',
    inputs: { ...keyless.inputs, 'signature-format': 'both' },
    env: keyless.oidc.env,
  },
  {
    name: 'key, both',
    inputs: { 'cosign-key': keyPEM, 'cosign-key-password': 'bench', 'signature-format': 'both' },
    env: {},
  },
];
// --only key matches `key, both` only; the unsigned publish always runs (the baseline).
const variants = all.filter((v) => !only || v.name.split(',')[0] === only || v.name === 'unsigned');

try {
  writeBenchTree(ws, 500);
  console.log('| publish | bundle | M instructions |\n| --- | --- | --- |');
  for (let r = 0; r < runs; r++) {
    writeFileSync(join(ws, 'deploy', 'run.yaml'), `run: ${r}\n`);
    for (const [n, v] of variants.entries()) {
      for (const [d, dist] of dists.entries()) {
        const out = mkdtempSync(join(home, 'cg-'));
        const res = await runAction('publish', {
          inputs: { repository: `${registry.host}/org/ir-${n}-${d}`, path: 'deploy', ...v.inputs },
          env: { ...v.env, BENCH_CG_OUT: join(out, 'cg.%p') },
          event: { ref: 'refs/heads/main', repository: { default_branch: 'main' } },
          workspace: ws,
          node: wrapper,
          distDir: dist,
          timeoutMs: 600_000,
        });
        if (res.exitCode !== 0) throw new Error(`${v.name} (${dist}) failed: ${res.stdout}`);
        let count = 0;
        for (const f of readdirSync(out)) {
          count += Number(/^summary: (\d+)/m.exec(readFileSync(join(out, f), 'utf8'))?.[1] ?? 0);
        }
        rmSync(out, { recursive: true, force: true });
        console.log(`| ${v.name} | ${dist} | ${Math.round(count / 1e6)} |`);
      }
    }
  }
} finally {
  await registry.stop();
  await keyless.stop();
  rmSync(ws, { recursive: true, force: true });
  rmSync(home, { recursive: true, force: true });
}
