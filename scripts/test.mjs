// Runs the test suites with node's test runner (TypeScript through tsx).
// Usage: node scripts/test.mjs [suite...]   suites: unit integration e2e interop (default: all)
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
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
const args = ['--import', 'tsx', '--test', '--test-reporter=spec', ...files];
const concurrency = process.env.TEST_CONCURRENCY;
if (concurrency) args.splice(2, 0, `--test-concurrency=${concurrency}`);
const r = spawnSync(process.execPath, args, { stdio: 'inherit' });
process.exit(r.status ?? 1);
