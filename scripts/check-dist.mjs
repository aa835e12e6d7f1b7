// Fails when the committed dist/ differs from a fresh bundle of src/.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { bundle } from './build.mjs';

function files(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...files(p));
    else out.push(p);
  }
  return out;
}

const fresh = mkdtempSync(join(tmpdir(), 'dist-check-'));
try {
  await bundle(fresh);
  const want = files(fresh)
    .map((f) => relative(fresh, f))
    .sort();
  const have = files('dist')
    .map((f) => relative('dist', f))
    .sort();
  const problems = [];
  for (const f of new Set([...want, ...have])) {
    if (!want.includes(f)) problems.push(`extra file dist/${f}`);
    else if (!have.includes(f)) problems.push(`missing file dist/${f}`);
    else if (!readFileSync(join(fresh, f)).equals(readFileSync(join('dist', f))))
      problems.push(`stale dist/${f}`);
  }
  if (problems.length > 0) {
    console.error(
      `dist/ is stale; run "npm run build" and commit dist/:\n  ${problems.join('\n  ')}`,
    );
    process.exit(1);
  }
  console.log(`dist/ is up to date (${have.length} files)`);
} finally {
  rmSync(fresh, { recursive: true, force: true });
}
