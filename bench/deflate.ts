// Benchmark: our Go-compatible gzip encoder vs Go's compress/gzip (test/tools/gogzip) and Node's
// zlib level 6, on YAML, tar-like and random data of 1, 50 and 500 MB. Inputs are streamed in
// 1 MiB pieces cycled from an 8 MiB seeded pool, so memory reflects the encoders, not the input.
// Speeds are from CPU time (user + system) because the machine may be shared; wall-clock speeds
// are shown in brackets. "identical" compares SHA-256 of our output and Go's.
//
// Usage: node --import tsx bench/deflate.ts [--sizes 1,50,500] [--kinds yaml,tar,random]
//                                             [--no-zlib]

import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import * as zlib from 'node:zlib';
import { GoGzipWriter } from '../src/artifact/deflate/index.js';
import { randomBytes, rng, tarLike, yaml } from '../test/tools/gogzip/corpus.js';
import { buildGoGzip } from '../test/tools/gogzip/gogzip.js';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1,50,500' },
    kinds: { type: 'string', default: 'yaml,tar,random' },
    'no-zlib': { type: 'boolean', default: false },
  },
});
const MB = 1_000_000;
const PIECE = 1 << 20;
const POOL = 8 << 20;
const sizes = values.sizes.split(',').map((s) => Number(s) * MB);
const kinds = values.kinds.split(',');

function pool(kind: string): Buffer {
  const r = rng(42);
  if (kind === 'yaml') return yaml(POOL, r);
  if (kind === 'tar') return tarLike(POOL, r);
  if (kind === 'random') return randomBytes(POOL, r);
  throw new Error(`unknown kind ${kind}`);
}

/** Yields `total` bytes as PIECE-sized views cycling through `p`. */
function* pieces(p: Buffer, total: number): Generator<Buffer> {
  for (let off = 0; off < total; off += PIECE) {
    const n = Math.min(PIECE, total - off);
    const at = off % p.length;
    yield at + n <= p.length
      ? p.subarray(at, at + n)
      : Buffer.concat([p.subarray(at), p.subarray(0, n - (p.length - at))]);
  }
}

interface Result {
  /** CPU seconds (user + system) spent compressing. */
  cpu: number;
  wall: number;
  sha256: string;
  peakMiB: number;
}

// A gc() handle without a command-line flag, to measure memory the encoder actually retains.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
/** JS heap + typed-array memory still reachable after a full GC. */
const retained = (): number => {
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};

const cpuNow = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

function runOurs(p: Buffer, total: number): Result {
  const base = process.memoryUsage().rss;
  let peak = base;
  let cpu = 0;
  const hash = createHash('sha256');
  const t0 = performance.now();
  const gz = new GoGzipWriter();
  let i = 0;
  for (const piece of pieces(p, total)) {
    const c0 = cpuNow();
    gz.write(piece);
    const out = gz.take();
    cpu += cpuNow() - c0;
    for (const b of out) hash.update(b);
    if (++i % 16 === 0) peak = Math.max(peak, process.memoryUsage().rss);
  }
  const c0 = cpuNow();
  gz.close();
  const out = gz.take();
  cpu += cpuNow() - c0;
  for (const b of out) hash.update(b);
  const wall = (performance.now() - t0) / 1000;
  peak = Math.max(peak, process.memoryUsage().rss);
  return { cpu, wall, sha256: hash.digest('hex'), peakMiB: (peak - base) / 2 ** 20 };
}

/** Memory a live encoder retains after a full GC, having compressed 8 MiB of `p` (untimed). */
function retainedByEncoder(p: Buffer): number {
  const base = retained();
  const gz = new GoGzipWriter();
  for (const piece of pieces(p, 8 << 20)) {
    gz.write(piece);
    gz.take();
  }
  const held = retained() - base;
  gz.close();
  gz.take();
  return held / 2 ** 20;
}

async function runZlib(p: Buffer, total: number): Promise<Result> {
  const t0 = performance.now();
  const c0 = cpuNow();
  const z = zlib.createGzip({ level: 6 });
  z.on('data', () => {});
  const done = new Promise((resolve, reject) => z.on('end', resolve).on('error', reject));
  for (const piece of pieces(p, total)) {
    if (!z.write(piece)) await new Promise((r) => z.once('drain', r));
  }
  z.end();
  await done;
  const wall = (performance.now() - t0) / 1000;
  return { cpu: cpuNow() - c0, wall, sha256: '', peakMiB: Number.NaN };
}

/** Go's own CPU time, wall time and peak RSS (gogzip -stats); input piped from us. */
async function runGo(bin: string, p: Buffer, total: number): Promise<Result> {
  const child = spawn(bin, ['-stats'], { stdio: ['pipe', 'pipe', 'pipe'] });
  const hash = createHash('sha256');
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => hash.update(b));
  child.stderr.on('data', (b: Buffer) => {
    stderr += b.toString();
  });
  const done = new Promise<void>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`gogzip: ${stderr}`))));
  });
  for (const piece of pieces(p, total)) {
    if (!child.stdin.write(piece)) await new Promise((r) => child.stdin.once('drain', r));
  }
  child.stdin.end();
  await done;
  const s = JSON.parse(stderr.trim().split('\n').at(-1)!) as {
    cpu_s: number;
    wall_s: number;
    maxrss_kib: number;
  };
  return { cpu: s.cpu_s, wall: s.wall_s, sha256: hash.digest('hex'), peakMiB: s.maxrss_kib / 1024 };
}

const go = buildGoGzip();
try {
  console.log(
    `node ${process.version}, ${go.goVersion}. MB = 10^6 bytes. MB/s from CPU time, ` +
      'wall-clock in brackets; inputs up to 10 MB: best of 5 runs. Memory: ours = RSS growth ' +
      '[retained by the live encoder after GC], Go = VmHWM (whole process).',
  );
  const rows: string[][] = [
    [
      'input',
      'ours MB/s',
      'Go MB/s',
      'ours/Go time',
      'zlib-6 MB/s',
      'ours MiB',
      'Go MiB',
      'identical',
    ],
  ];
  // Warm up the JIT so the 1 MB rows measure steady state.
  const warm = pool('yaml');
  runOurs(warm, 4 << 20);
  for (const kind of kinds) {
    const p = kind === 'yaml' ? warm : pool(kind);
    const held = retainedByEncoder(p);
    for (const total of sizes) {
      // Small inputs: best of 5, so JIT tier-up, GC threads and process start-up weigh less.
      const reps = total <= 10 * MB ? 5 : 1;
      const best = async (run: () => Result | Promise<Result>): Promise<Result> => {
        let r = await run();
        for (let k = 1; k < reps; k++) {
          const next = await run();
          if (next.cpu < r.cpu) r = next;
        }
        return r;
      };
      const ours = await best(() => runOurs(p, total));
      const theirs = await best(() => runGo(go.bin, p, total));
      const z = values['no-zlib'] ? undefined : await best(() => runZlib(p, total));
      const mbps = (t: number): string => (total / MB / t).toFixed(1);
      const both = (r: Result): string => `${mbps(r.cpu)} [${mbps(r.wall)}]`;
      rows.push([
        `${kind} ${total / MB} MB`,
        both(ours),
        both(theirs),
        (ours.cpu / theirs.cpu).toFixed(2),
        z ? both(z) : '-',
        `${ours.peakMiB.toFixed(1)} [${held.toFixed(1)}]`,
        theirs.peakMiB.toFixed(1),
        ours.sha256 === theirs.sha256 ? 'yes' : 'NO',
      ]);
      console.error(`done: ${rows.at(-1)!.join(' | ')}`);
    }
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  for (const [i, r] of rows.entries()) {
    console.log(`| ${r.map((v, c) => v.padEnd(widths[c]!)).join(' | ')} |`);
    if (i === 0) console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  }
} finally {
  go.cleanup();
}
