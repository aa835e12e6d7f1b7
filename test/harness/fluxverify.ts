/**
 * The Flux verification judge (test/tools/fluxverify, a Go program calling cosign v3.0.6 the way
 * source-controller v1.9.x does). Built into .tools/bin/fluxverify on first use and rebuilt when
 * its sources change; concurrent test processes wait for one build.
 *
 *   const r = await fluxVerify({ image: `${host}/app@${digest}`, trustedRoot: stack.trustedRootPath,
 *     identities: [{ issuer: '^https://token\\.actions\\.githubusercontent\\.com$', subject: '…' }] });
 *   // r.verified, r.format ('cosign-v3' | 'cosign-v2' | ''), r.error
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT, TOOLS_BIN } from './tools.js';

const run = promisify(execFile);

const SOURCE_DIR = join(REPO_ROOT, 'test', 'tools', 'fluxverify');
const BINARY = join(TOOLS_BIN, 'fluxverify');
const STAMP = `${BINARY}.stamp`;
const LOCK = `${BINARY}.lock`;
/** A cold build of cosign's dependency tree takes minutes on 2 cores. */
const BUILD_TIMEOUT_MS = 30 * 60_000;
const LOCK_STALE_MS = BUILD_TIMEOUT_MS + 60_000;

function sourceHash(): string {
  const h = createHash('sha256');
  for (const f of ['go.mod', 'go.sum', 'main.go'])
    h.update(f).update(readFileSync(join(SOURCE_DIR, f)));
  return h.digest('hex');
}

function upToDate(hash: string): boolean {
  return existsSync(BINARY) && existsSync(STAMP) && readFileSync(STAMP, 'utf8').trim() === hash;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let built: Promise<string> | undefined;

/** Path of the judge binary, building it if needed. */
export function fluxVerifyPath(): Promise<string> {
  built ??= build();
  return built;
}

async function build(): Promise<string> {
  const hash = sourceHash();
  if (upToDate(hash)) return BINARY;
  mkdirSync(TOOLS_BIN, { recursive: true });
  // mkdir is atomic: the process that creates the lock builds, the others wait for the stamp.
  const deadline = Date.now() + LOCK_STALE_MS;
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      if (upToDate(hash)) return BINARY;
      try {
        if (Date.now() - statSync(LOCK).mtimeMs > LOCK_STALE_MS)
          rmSync(LOCK, { recursive: true, force: true });
      } catch {
        // lock vanished between calls: retry
      }
      if (Date.now() > deadline)
        throw new Error(`fluxverify: timed out waiting for another build (${LOCK})`);
      await sleep(1000);
    }
  }
  try {
    if (upToDate(hash)) return BINARY;
    const tmp = `${BINARY}.tmp-${process.pid}`;
    const started = Date.now();
    await run('go', ['build', '-trimpath', '-o', tmp, '.'], {
      cwd: SOURCE_DIR,
      timeout: BUILD_TIMEOUT_MS,
      maxBuffer: 16 * 1024 * 1024,
      env: { ...process.env, GOFLAGS: '-mod=readonly' },
    });
    renameSync(tmp, BINARY);
    writeFileSync(STAMP, `${hash}\n`);
    process.stderr.write(`fluxverify: built in ${Math.round((Date.now() - started) / 1000)} s\n`);
    return BINARY;
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

export interface FluxVerifyOptions {
  /** `host/repo@sha256:…` */
  image: string;
  /** trusted_root.json path (keyless). */
  trustedRoot?: string;
  identities?: ReadonlyArray<{ issuer: string; subject: string }>;
  /** cosign public key path (Flux verify.secretRef). */
  publicKey?: string;
  insecure?: boolean;
  /** Registry credentials, if the registry needs them. */
  username?: string;
  password?: string;
  timeoutMs?: number;
}

export interface FluxVerifyResult {
  verified: boolean;
  format: 'cosign-v3' | 'cosign-v2' | '';
  error: string;
  exitCode: number;
}

/** Runs the judge; never throws for a "not verified" answer (exit 1), only for crashes. */
export async function fluxVerify(opts: FluxVerifyOptions): Promise<FluxVerifyResult> {
  const bin = await fluxVerifyPath();
  const args = ['--image', opts.image];
  if (opts.trustedRoot) args.push('--trusted-root', opts.trustedRoot);
  if (opts.publicKey) args.push('--public-key', opts.publicKey);
  for (const id of opts.identities ?? []) args.push('--identity', `${id.issuer}|${id.subject}`);
  if (opts.insecure) args.push('--insecure');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NO_PROXY: '127.0.0.1,localhost',
    no_proxy: '127.0.0.1,localhost',
  };
  delete env.FLUXVERIFY_USERNAME;
  delete env.FLUXVERIFY_PASSWORD;
  if (opts.username !== undefined) env.FLUXVERIFY_USERNAME = opts.username;
  if (opts.password !== undefined) env.FLUXVERIFY_PASSWORD = opts.password;
  let stdout: string;
  let exitCode = 0;
  try {
    ({ stdout } = await run(bin, args, { env, timeout: opts.timeoutMs ?? 120_000 }));
  } catch (err) {
    const e = err as { code?: unknown; stdout?: string; stderr?: string };
    if (e.code !== 1) throw new Error(`fluxverify crashed (${String(e.code)}): ${e.stderr ?? ''}`);
    stdout = e.stdout ?? '';
    exitCode = 1;
  }
  const line = stdout.trim().split('\n').pop() ?? '';
  const parsed = JSON.parse(line) as Omit<FluxVerifyResult, 'exitCode'>;
  return { ...parsed, exitCode };
}
