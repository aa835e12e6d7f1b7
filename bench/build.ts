// Side-by-side benchmark of building an artifact: our builder (under Node 24, as the runner runs
// it) vs `flux build artifact` (v2.9.4), on generated trees of three sizes. Reports wall time,
// throughput and peak RSS (GNU time's %M) and the ratios; checks both produce the same bytes.
// Usage: node --import tsx bench/build.ts [--sizes small,medium,large] [--runs 3]
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { toolPath } from '../test/harness/tools.js';

interface TreeSpec {
  name: string;
  files: number;
  /** Average file size in bytes. */
  avg: number;
  /** Share of files with random (incompressible) content. */
  randomShare: number;
}

const SPECS: Record<string, TreeSpec> = {
  small: { name: 'small', files: 100, avg: 2_000, randomShare: 0 },
  medium: { name: 'medium', files: 5_000, avg: 10_000, randomShare: 0.05 },
  large: { name: 'large', files: 5_000, avg: 100_000, randomShare: 0.1 },
};

/** xorshift32: deterministic trees for every run and machine. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x100000000;
  };
}

function yamlLike(size: number, rand: () => number): Buffer {
  const words = [
    'name',
    'namespace',
    'replicas',
    'image',
    'podinfo',
    'containerPort',
    'labels',
    'app',
    'spec',
    'env',
  ];
  const parts: string[] = [];
  let len = 0;
  while (len < size) {
    const indent = ' '.repeat(2 * Math.floor(rand() * 4));
    const line = `${indent}${words[Math.floor(rand() * words.length)]}: ${words[Math.floor(rand() * words.length)]}-${Math.floor(rand() * 1000)}\n`;
    parts.push(line);
    len += line.length;
  }
  return Buffer.from(parts.join('')).subarray(0, size);
}

function generate(spec: TreeSpec, root: string): number {
  const rand = rng(0x5eed + spec.files);
  let total = 0;
  for (let i = 0; i < spec.files; i++) {
    const dir = join(root, `ns-${i % 20}`, `app-${Math.floor(i / 20) % 25}`);
    mkdirSync(dir, { recursive: true });
    const size = Math.max(1, Math.floor(spec.avg * (0.5 + rand())));
    const body =
      rand() < spec.randomShare
        ? Buffer.from(Array.from({ length: size }, () => Math.floor(rand() * 256)))
        : yamlLike(size, rand);
    writeFileSync(join(dir, `manifest-${i}.yaml`), body);
    total += size;
  }
  return total;
}

interface Sample {
  seconds: number;
  maxRssMiB: number;
  sha256: string;
}

/** Runs a command under GNU time and returns wall seconds, peak RSS and the output's sha256. */
function measure(cmd: string, args: string[], out: string): Sample {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', cmd, ...args], {
    encoding: 'utf8',
    env: { ...process.env, TZ: 'UTC' },
  });
  if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr}`);
  const [secs, kb] = (r.stderr.trim().split('\n').pop() ?? '').split(' ').map(Number);
  return {
    seconds: secs ?? Number.NaN,
    maxRssMiB: (kb ?? Number.NaN) / 1024,
    sha256: createHash('sha256').update(readFileSync(out)).digest('hex'),
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) =>
  args.includes(name) ? (args[args.indexOf(name) + 1] ?? fallback) : fallback;
const sizes = flag('--sizes', 'small,medium,large').split(',');
const runs = Number(flag('--runs', '3'));

const work = mkdtempSync(join(tmpdir(), 'bench-'));
const node24 = toolPath('node24');
const flux = toolPath('flux');
const rows: string[] = [];
// Time the bundled code the runner would load, not a TypeScript loader.
const bundle = join(work, 'build-once.mjs');
await build({
  entryPoints: ['bench/build-once.ts'],
  outfile: bundle,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  minify: true,
});
try {
  for (const size of sizes) {
    const spec = SPECS[size];
    if (!spec) throw new Error(`unknown size ${size}`);
    const tree = join(work, size);
    const bytes = generate(spec, tree);
    const oursOut = join(work, `${size}-ours.tgz`);
    const fluxOut = join(work, `${size}-flux.tgz`);
    const ours: Sample[] = [];
    const theirs: Sample[] = [];
    for (let i = 0; i < runs; i++) {
      theirs.push(
        measure(flux, ['build', 'artifact', '--path', tree, '--output', fluxOut], fluxOut),
      );
      ours.push(
        measure(node24, ['--import', 'tsx', 'bench/build-once.ts', tree, oursOut], oursOut),
      );
    }
    const same = ours[0]?.sha256 === theirs[0]?.sha256;
    const mb = bytes / 1e6;
    const to = median(ours.map((s) => s.seconds));
    const tf = median(theirs.map((s) => s.seconds));
    const mo = Math.max(...ours.map((s) => s.maxRssMiB));
    const mf = Math.max(...theirs.map((s) => s.maxRssMiB));
    rows.push(
      `| ${size} | ${spec.files} | ${mb.toFixed(1)} | ${to.toFixed(2)} (${(mb / to).toFixed(1)} MB/s) | ${tf.toFixed(2)} (${(mb / tf).toFixed(1)} MB/s) | ${(to / tf).toFixed(2)}x | ${mo.toFixed(0)} | ${mf.toFixed(0)} | ${same ? 'yes' : 'NO'} |`,
    );
    console.error(rows.at(-1));
    rmSync(tree, { recursive: true, force: true });
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
console.log(
  `Build benchmark, median of ${runs} runs (ours: Node ${execFileSync(node24, ['--version']).toString().trim()}; flux v2.9.4)\n`,
);
console.log(
  '| tree | files | MB | ours s | flux s | time ratio ours/flux | ours peak MiB | flux peak MiB | same bytes |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const r of rows) console.log(r);
