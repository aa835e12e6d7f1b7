// Test helper: builds and runs test/tools/gogzip, the Go reference for our gzip encoders, with
// either Go line: Go 1.26 (the classic compress/flate, what Flux v2.9 releases are built with) or
// Go 1.27 (the new fast encoder, what Flux 2.10 is built with). A local Go of the wanted minor
// version is used as is; otherwise GOTOOLCHAIN fetches the pinned toolchain through the Go module
// proxy (cached in GOMODCACHE after the first build; install-tools.sh fetches both ahead).

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { GoDeflate } from '../../../src/artifact/deflate/index.js';

const SOURCE_DIR = dirname(fileURLToPath(import.meta.url));
/** The Go releases whose compress/flate each Flux line links (pins.env: GO_TOOLCHAIN*). */
const REFERENCE_TOOLCHAINS: Readonly<Record<GoDeflate, string>> = {
  'go1.26': 'go1.26.8',
  'go1.27': 'go1.27.3',
};

export interface GoGzip {
  bin: string;
  /** runtime.Version() of the built program, e.g. go1.26.8. */
  goVersion: string;
  cleanup(): void;
}

/** `go build`s gogzip into a temporary directory (stdlib only: no network unless GOTOOLCHAIN). */
export function buildGoGzip(line: GoDeflate = 'go1.26'): GoGzip {
  const dir = mkdtempSync(join(tmpdir(), 'gogzip-'));
  const bin = join(dir, 'gogzip');
  const local = execFileSync('go', ['env', 'GOVERSION'], { encoding: 'utf8' }).trim();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    CGO_ENABLED: '0',
    GOTOOLCHAIN: local.startsWith(`${line}.`) ? 'local' : REFERENCE_TOOLCHAINS[line],
  };
  execFileSync('go', ['build', '-trimpath', '-o', bin, '.'], {
    cwd: SOURCE_DIR,
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const goVersion = execFileSync(bin, ['-version'], { encoding: 'utf8' }).trim();
  if (!goVersion.startsWith(`${line}.`))
    throw new Error(`gogzip: built ${goVersion}, wanted ${line}`);
  return { bin, goVersion, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Go's gzip of `data`; with `chunk`, written in pieces of `chunk` bytes (random sizes if `seed`). */
export function goGzip(
  bin: string,
  data: Uint8Array,
  opts: { chunk?: number; seed?: number } = {},
): Buffer {
  const args: string[] = [];
  if (opts.chunk) args.push('-chunk', String(opts.chunk));
  if (opts.seed) args.push('-seed', String(opts.seed));
  const r = spawnSync(bin, args, { input: data, maxBuffer: 2 ** 31 - 1 });
  if (r.status !== 0) throw new Error(`gogzip failed: ${r.stderr?.toString() ?? r.error}`);
  return r.stdout;
}

/** Go's gzip of each input, in one process (cheap for many small inputs). */
export function goGzipMany(bin: string, inputs: readonly Uint8Array[]): Buffer[] {
  const parts: Uint8Array[] = [];
  for (const data of inputs) {
    const hdr = Buffer.alloc(4);
    hdr.writeUInt32BE(data.length);
    parts.push(hdr, data);
  }
  const r = spawnSync(bin, ['-frames'], { input: Buffer.concat(parts), maxBuffer: 2 ** 31 - 1 });
  if (r.status !== 0) throw new Error(`gogzip -frames failed: ${r.stderr?.toString() ?? r.error}`);
  const out: Buffer[] = [];
  let off = 0;
  while (off < r.stdout.length) {
    const n = r.stdout.readUInt32BE(off);
    out.push(r.stdout.subarray(off + 4, off + 4 + n));
    off += 4 + n;
  }
  if (out.length !== inputs.length)
    throw new Error(`gogzip -frames: ${out.length} outputs for ${inputs.length} inputs`);
  return out;
}

/** Offset of the first differing byte, or -1 when equal. */
export function firstDiff(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}
