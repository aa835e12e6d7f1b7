// Cold start of every bundled entry point under Node 24 (issue 10: "cold start to the first log
// line at most 100 ms"): spawn → first line on stdout, and the CPU the process spent until then,
// over --runs starts each, against a local registry and the loopback Sigstore stack, with inputs
// a real run would give. A preload stops each process at its first stdout write (and records
// process.cpuUsage() there), so runs leave nothing behind and only the start is measured.
// On the shared machine wall times follow the load; the CPU column is the steadier one.
// The workspace is a git checkout whose HEAD is the event's commit, as actions/checkout leaves
// it, so publish and push print the line a real run starts with ("building artifact from …").
// The floor rows are Node 24 itself under the same preload: `-e` printing one line, and an ES
// module file doing the same (what no bundle can go below on this machine).
// --compile-cache cold|warm: with Node's compile cache (NODE_COMPILE_CACHE), empty for every start
// (a fresh runner) or kept across starts (what a cache could give at best).
// Usage: node --import tsx bench/cold-start.ts [--runs 30] [--dist DIR[,DIR2]] [--entries publish,push]
//        [--compile-cache cold|warm]
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runAction } from '../test/harness/action.js';
import { commitCheckout } from '../test/harness/git.js';
import { startKeyless } from '../test/harness/keyless.js';
import { startRegistry } from '../test/harness/registry.js';
import { toolPath } from '../test/harness/tools.js';
import { flag } from './args.js';

const runs = Number(flag('--runs', '30'));
// Several builds (comma separated) are measured start by start in turn, so load changes hit all alike.
const distDirs = flag('--dist', 'dist')
  .split(',')
  .map((d) => resolve(d));
const only = flag('--entries', '').split(',').filter(Boolean);
const compileCache = flag('--compile-cache', '');

const median = (xs: number[]) =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

const ws = mkdtempSync(join(tmpdir(), 'bench-cold-'));
const home = mkdtempSync(join(tmpdir(), 'bench-cold-home-'));
const cpuFile = join(home, 'cpu');
const preload = join(home, 'first-line.cjs');
writeFileSync(
  preload,
  `const fs = require('node:fs');
const write = process.stdout.write.bind(process.stdout);
process.stdout.write = (...a) => {
  const c = process.cpuUsage();
  fs.writeFileSync(${JSON.stringify(cpuFile)}, String((c.user + c.system) / 1000));
  write(...a, () => process.exit(0));
  return true;
};
`,
);
const registry = await startRegistry({});
const keyless = await startKeyless({ repository: 'org/app', ref: 'refs/heads/main' });
try {
  mkdirSync(join(ws, 'deploy'));
  writeFileSync(join(ws, 'deploy', 'app.yaml'), 'apiVersion: v1\nkind: ConfigMap\n');
  const sha = commitCheckout(ws);
  copyFileSync(keyless.stack.trustedRootPath, join(ws, 'trusted_root.json'));
  const repo = `${registry.host}/org/app`;
  const event = { ref: 'refs/heads/main', repository: { default_branch: 'main' } };
  const base = { workspace: ws, event, env: { ...keyless.oidc.env, GITHUB_SHA: sha } };
  // One signed artifact (tag latest) for the entry points that read one.
  const seeded = await runAction('publish', {
    ...base,
    distDir: distDirs[0],
    inputs: { repository: repo, path: 'deploy', ...keyless.inputs },
  });
  if (seeded.exitCode !== 0) throw new Error(`seeding publish failed: ${seeded.stdout}`);
  const identity = "- issuer: '.*'\n  subject: '.*'";
  const cases: Record<string, Parameters<typeof runAction>[1]> = {
    publish: { inputs: { repository: `${repo}-b`, path: 'deploy', ...keyless.inputs } },
    push: { inputs: { repository: `${repo}-b`, path: 'deploy' } },
    sign: { inputs: { repository: repo, ref: 'latest', ...keyless.inputs } },
    verify: {
      inputs: {
        repository: repo,
        ref: 'latest',
        'match-oidc-identity': identity,
        'trusted-root': 'trusted_root.json',
      },
    },
    tag: { inputs: { repository: repo, ref: 'latest', tags: 'v1' } },
    pull: { inputs: { repository: repo, ref: 'latest', output: 'out' } },
    diff: { inputs: { repository: repo, path: 'deploy' } },
    list: { inputs: { repository: repo } },
    cleanup: {
      eventName: 'pull_request',
      event: { action: 'closed', number: 7, pull_request: { number: 7 } },
      inputs: { repository: repo, 'dry-run': 'true', 'github-token': 'tok' },
    },
  };
  const entries = only.length > 0 ? only : Object.keys(cases);
  const rows: string[] = [];
  console.error(
    `load average at start: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  // Node 24's own start, same preload, same measurement: the floor.
  const hello = join(home, 'hello.mjs');
  writeFileSync(hello, "process.stdout.write('hello\\n');\n");
  const floors: [string, string[]][] = [
    ['node24 -e (prints one line)', ['-e', "process.stdout.write('hello\\n')"]],
    ['node24 file.mjs (prints one line)', [hello]],
  ];
  for (const [what, argv] of floors) {
    const w: number[] = [];
    const u: number[] = [];
    for (let i = 0; i < runs; i++) {
      rmSync(cpuFile, { force: true });
      const child = spawn(toolPath('node24'), argv, {
        env: { PATH: process.env.PATH ?? '', NODE_OPTIONS: `--require ${preload}` },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const t0 = performance.now();
      let first = Number.NaN;
      child.stdout.on('data', () => {
        if (Number.isNaN(first)) first = performance.now() - t0;
      });
      await new Promise((r) => child.on('close', r));
      w.push(first);
      u.push(Number(readFileSync(cpuFile, 'utf8')));
    }
    rows.push(
      `| floor: ${what}${distDirs.length > 1 ? ' | (Node only)' : ''} | ${median(w).toFixed(0)} | ${Math.min(...w).toFixed(0)} | ${median(u).toFixed(0)} | \`hello\` |`,
    );
  }
  for (const entry of entries) {
    const wall = distDirs.map(() => [] as number[]);
    const cpu = distDirs.map(() => [] as number[]);
    const lines = distDirs.map(() => '');
    for (let i = 0; i < runs; i++) {
      for (const [d, distDir] of distDirs.entries()) {
        rmSync(cpuFile, { force: true });
        const cacheDir = join(home, `compile-cache-${entry}-${d}`);
        if (compileCache === 'cold') rmSync(cacheDir, { recursive: true, force: true });
        const cache = compileCache ? { NODE_COMPILE_CACHE: cacheDir } : {};
        const c = cases[entry] ?? {};
        const res = await runAction(entry, {
          ...base,
          ...c,
          distDir,
          env: { ...base.env, ...c.env, ...cache, NODE_OPTIONS: `--require ${preload}` },
        });
        const line = res.stdout.split('\n')[0] ?? '';
        if (line.startsWith('::error'))
          throw new Error(`${entry}: first line is an error: ${line}`);
        lines[d] = line;
        wall[d]?.push(res.firstOutputMs);
        cpu[d]?.push(Number(readFileSync(cpuFile, 'utf8')));
      }
    }
    for (const [d, distDir] of distDirs.entries()) {
      const w = wall[d] ?? [];
      const u = cpu[d] ?? [];
      const line = lines[d] ?? '';
      const shown = line.length > 60 ? `${line.slice(0, 57)}...` : line;
      const build = distDirs.length > 1 ? ` | ${distDir}` : '';
      rows.push(
        `| ${entry}${build} | ${median(w).toFixed(0)} | ${Math.min(...w).toFixed(0)} | ${median(u).toFixed(0)} | \`${shown.replaceAll('|', '\\|')}\` |`,
      );
      console.error(
        `${entry} ${distDir}: median ${median(w).toFixed(0)} ms, CPU ${median(u).toFixed(0)} ms`,
      );
    }
  }
  console.log(
    `\nCold start under Node 24 (${distDirs.join(', ')}${compileCache ? `, compile cache ${compileCache}` : ''}), spawn to first log line, ${runs} starts each (load average now ${loadavg()[0]?.toFixed(1)})\n`,
  );
  const buildCol = distDirs.length > 1 ? ' build |' : '';
  console.log(
    `| entry |${buildCol} median ms | min ms | CPU to first line, median ms | first line |`,
  );
  console.log(`| --- |${distDirs.length > 1 ? ' --- |' : ''} --- | --- | --- | --- |`);
  for (const r of rows) console.log(r);
} finally {
  await registry.stop();
  await keyless.stop();
  rmSync(ws, { recursive: true, force: true });
  rmSync(home, { recursive: true, force: true });
}
