// Test helper: builds and runs test/tools/gogzip, the Go reference for our gzip encoder.
// It must be built with Go <= 1.26: Go 1.27 replaced compress/flate, and Flux v2.9 releases are
// built with Go 1.26. A local Go 1.26 is used as is; any other local Go is asked for the 1.26
// toolchain (GOTOOLCHAIN, fetched through the Go module proxy).

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SOURCE_DIR = dirname(fileURLToPath(import.meta.url));
/** The Go release whose compress/flate Flux v2.9.x links. */
export const REFERENCE_TOOLCHAIN = 'go1.26.8';

export interface GoGzip {
  bin: string;
  /** runtime.Version() of the built program, e.g. go1.26.8. */
  goVersion: string;
  cleanup(): void;
}

/** `go build`s gogzip into a temporary directory (stdlib only: no network unless GOTOOLCHAIN). */
export function buildGoGzip(): GoGzip {
  const dir = mkdtempSync(join(tmpdir(), 'gogzip-'));
  const bin = join(dir, 'gogzip');
  const local = execFileSync('go', ['env', 'GOVERSION'], { encoding: 'utf8' }).trim();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    CGO_ENABLED: '0',
    GOTOOLCHAIN: local.startsWith('go1.26') ? 'local' : REFERENCE_TOOLCHAIN,
  };
  execFileSync('go', ['build', '-trimpath', '-o', bin, '.'], {
    cwd: SOURCE_DIR,
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const goVersion = execFileSync(bin, ['-version'], { encoding: 'utf8' }).trim();
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
