// Runs the test suites with node's test runner (TypeScript through tsx).
// Usage: node scripts/test.mjs [suite...]   suites: unit integration e2e interop (default: all)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ALL = ['unit', 'integration', 'e2e', 'interop'];
const suites = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ALL;

function find(dir) {
  if (!existsSync(dir)) return [];
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...find(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const files = suites.flatMap((s) => find(join('test', s)));
if (files.length === 0) {
  console.error(`no test files found for suites: ${suites.join(', ')}`);
  process.exit(1);
}
// spec for people, TAP to a file for the plain closing line CI reads ("N passed, N failed").
const tapDir = mkdtempSync(join(tmpdir(), 'test-tap-'));
const tap = join(tapDir, 'results.tap');
const args = [
  '--import',
  'tsx',
  '--test',
  '--test-reporter=spec',
  '--test-reporter-destination=stdout',
  '--test-reporter=tap',
  `--test-reporter-destination=${tap}`,
  ...files,
];
const concurrency = process.env.TEST_CONCURRENCY;
if (concurrency) args.splice(2, 0, `--test-concurrency=${concurrency}`);
const r = spawnSync(process.execPath, args, { stdio: 'inherit' });
const text = existsSync(tap) ? readFileSync(tap, 'utf8') : '';
/** The last `# <name> N` line of the TAP summary (node prints one per run). */
function count(name) {
  const hits = [...text.matchAll(new RegExp(`^# ${name} (\\d+)$`, 'gm'))];
  return Number(hits.at(-1)?.[1] ?? 0);
}
rmSync(tapDir, { recursive: true, force: true });
console.log(`\n${count('pass')} passed, ${count('fail')} failed, ${count('skipped')} skipped`);
process.exit(r.status ?? 1);
