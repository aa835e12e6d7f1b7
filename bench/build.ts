// Side-by-side benchmark of building an artifact: our builder (under Node 24, as the runner runs
// it) with flux-version 2.9 and 2.10 vs `flux build artifact` (v2.9.4) and vs the Flux 2.10
// reference (test/tools/flux210: pkg/oci v0.73.0 Client.Build, Go 1.27), on generated trees of
// three sizes. Reports wall time, throughput and peak RSS (GNU time's %M) and the ratios of each
// of our lines to its Flux line; checks each pair produces the same bytes.
// Usage: node --import tsx bench/build.ts [--sizes small,medium,large] [--runs 3]
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { toolPath } from '../test/harness/tools.js';
import { flag } from './args.js';

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
  /** User + system CPU seconds: steadier than wall time on a shared machine. */
  cpu: number;
  maxRssMiB: number;
  sha256: string;
}

/** Runs a command under GNU time and returns wall seconds, peak RSS and the output's sha256. */
function measure(cmd: string, args: string[], out: string): Sample {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', cmd, ...args], {
    encoding: 'utf8',
    env: { ...process.env, TZ: 'UTC' },
  });
  if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr}`);
  const [secs, user, sys, kb] = (r.stderr.trim().split('\n').pop() ?? '').split(' ').map(Number);
  return {
    seconds: secs ?? Number.NaN,
    cpu: (user ?? Number.NaN) + (sys ?? Number.NaN),
    maxRssMiB: (kb ?? Number.NaN) / 1024,
    sha256: createHash('sha256').update(readFileSync(out)).digest('hex'),
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

const sizes = flag('--sizes', 'small,medium,large').split(',');
const runs = Number(flag('--runs', '3'));

const work = mkdtempSync(join(tmpdir(), 'bench-'));
const node24 = toolPath('node24');
const flux = toolPath('flux');
const flux210 = toolPath('flux210');
const rows: string[] = [];
// Time the bundled code the runner would load, not a TypeScript loader: like dist/, the entry
// point with the layer encoder thread's script beside it (layer-worker.js, ESM).
const bundle = join(work, 'build-once.js');
writeFileSync(join(work, 'package.json'), '{"type":"module"}\n');
await build({
  entryPoints: ['bench/build-once.ts', 'src/artifact/layer-worker.ts'],
  outdir: work,
  entryNames: '[name]',
  splitting: true,
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
    const out = (who: string) => join(work, `${size}-${who}.tgz`);
    const samples: Record<'ours29' | 'ours210' | 'flux29' | 'ref210', Sample[]> = {
      ours29: [],
      ours210: [],
      flux29: [],
      ref210: [],
    };
    // The esbuild bundle, as the runner loads dist/ (no TypeScript loader in the timing).
    const once = (line: string) => [bundle, tree, out(line), line];
    for (let i = 0; i < runs; i++) {
      samples.flux29.push(
        measure(
          flux,
          ['build', 'artifact', '--path', tree, '--output', out('flux29')],
          out('flux29'),
        ),
      );
      samples.ours29.push(measure(node24, once('2.9'), out('2.9')));
      samples.ref210.push(
        measure(flux210, ['build', '-p', tree, '-o', out('ref210')], out('ref210')),
      );
      samples.ours210.push(measure(node24, once('2.10'), out('2.10')));
    }
    const t = (k: keyof typeof samples) => median(samples[k].map((x) => x.seconds));
    const c = (k: keyof typeof samples) => median(samples[k].map((x) => x.cpu));
    const m = (k: keyof typeof samples) => Math.max(...samples[k].map((x) => x.maxRssMiB));
    const same = (a: keyof typeof samples, b: keyof typeof samples) =>
      samples[a][0]?.sha256 === samples[b][0]?.sha256 ? 'yes' : 'NO';
    const mb = bytes / 1e6;
    const cell = (k: keyof typeof samples) => `${t(k).toFixed(2)} (cpu ${c(k).toFixed(2)})`;
    rows.push(
      `| ${size} | ${spec.files} | ${mb.toFixed(1)} | ${cell('ours29')} | ${cell('flux29')} | ${(t('ours29') / t('flux29')).toFixed(2)}x (cpu ${(c('ours29') / c('flux29')).toFixed(2)}x) | ${cell('ours210')} | ${cell('ref210')} | ${(t('ours210') / t('ref210')).toFixed(2)}x (cpu ${(c('ours210') / c('ref210')).toFixed(2)}x) | ${m('ours29').toFixed(0)} / ${m('ours210').toFixed(0)} | ${m('flux29').toFixed(0)} / ${m('ref210').toFixed(0)} | ${same('ours29', 'flux29')} / ${same('ours210', 'ref210')} |`,
    );
    console.error(rows.at(-1));
    rmSync(tree, { recursive: true, force: true });
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
console.log(
  `Build benchmark, median of ${runs} runs (ours: Node ${execFileSync(node24, ['--version']).toString().trim()}; flux v2.9.4; Flux 2.10 reference: ${execFileSync(flux210, ['version']).toString().trim()})\n`,
);
console.log(
  '| tree | files | MB | ours 2.9 wall s | flux 2.9 wall s | ratio wall (cpu) | ours 2.10 wall s | ref 2.10 wall s | ratio wall (cpu) | ours peak MiB 2.9 / 2.10 | flux peak MiB 2.9 / 2.10 | same bytes 2.9 / 2.10 |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const r of rows) console.log(r);
