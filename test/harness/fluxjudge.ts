/**
 * Flux's real signature verifiers as test judges: source-controller's own internal/oci/cosign,
 * compiled with test/tools/fluxjudge/main.go inside a copy of the source-controller module by
 * scripts/install-tools.sh, for Flux 2.9 (v1.9.x) and Flux 2.10 (v1.10.x).
 *
 *   const r = await fluxJudges({ image: `${host}/app@${digest}`, trustedRoot: stack.trustedRootPath,
 *     identities: [{ issuer: '^https://token\\.actions\\.githubusercontent\\.com$', subject: '…' }] });
 *   // r['1.9'].verified, r['1.10'].format ('cosign-v3' | 'cosign-v2'), r['1.10'].error
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { type ToolName, toolPath } from './tools.js';

const run = promisify(execFile);

export const FLUX_LINES = ['1.9', '1.10'] as const;
export type FluxLine = (typeof FLUX_LINES)[number];
export const JUDGE_TOOLS: ToolName[] = FLUX_LINES.map((l) => `fluxjudge-${l}` as ToolName);

export interface FluxJudgeOptions {
  /** `host/repo@sha256:…` or `host/repo:tag` (resolved to the digest first, as Flux does). */
  image: string;
  /** trusted_root.json path (verify.trustedRootSecretRef; keyless). */
  trustedRoot?: string;
  identities?: ReadonlyArray<{ issuer: string; subject: string }>;
  /** `*.pub` paths of a verify.secretRef Secret (file names are the Secret's keys). */
  publicKeys?: readonly string[];
  insecure?: boolean;
  username?: string;
  password?: string;
  timeoutMs?: number;
}

export interface FluxJudgeResult {
  verified: boolean;
  format: 'cosign-v3' | 'cosign-v2' | '';
  digest: string;
  error: string;
  sourceController: string;
  substitutions: string;
  exitCode: number;
}

/** Runs one judge; never throws for a "not verified" answer (exit 1), only for crashes. */
export async function fluxJudge(line: FluxLine, opts: FluxJudgeOptions): Promise<FluxJudgeResult> {
  const args = ['--image', opts.image];
  if (opts.trustedRoot) args.push('--trusted-root', opts.trustedRoot);
  for (const k of opts.publicKeys ?? []) args.push('--public-key', k);
  for (const id of opts.identities ?? []) args.push('--identity', `${id.issuer}|${id.subject}`);
  if (opts.insecure) args.push('--insecure');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NO_PROXY: '127.0.0.1,localhost',
    no_proxy: '127.0.0.1,localhost',
  };
  delete env.FLUXJUDGE_USERNAME;
  delete env.FLUXJUDGE_PASSWORD;
  if (opts.username !== undefined) env.FLUXJUDGE_USERNAME = opts.username;
  if (opts.password !== undefined) env.FLUXJUDGE_PASSWORD = opts.password;
  let stdout: string;
  let exitCode = 0;
  try {
    ({ stdout } = await run(toolPath(`fluxjudge-${line}` as ToolName), args, {
      env,
      timeout: opts.timeoutMs ?? 120_000,
    }));
  } catch (err) {
    const e = err as { code?: unknown; stdout?: string; stderr?: string };
    if (e.code !== 1)
      throw new Error(`fluxjudge-${line} crashed (${String(e.code)}): ${e.stderr ?? ''}`);
    stdout = e.stdout ?? '';
    exitCode = 1;
  }
  const parsed = JSON.parse(stdout.trim().split('\n').pop() ?? '') as Omit<
    FluxJudgeResult,
    'exitCode'
  >;
  return { ...parsed, exitCode };
}

/** Both judges (Flux 2.9 and 2.10), run in parallel. */
export async function fluxJudges(
  opts: FluxJudgeOptions,
): Promise<Record<FluxLine, FluxJudgeResult>> {
  const [a, b] = await Promise.all(FLUX_LINES.map((l) => fluxJudge(l, opts)));
  return { '1.9': a as FluxJudgeResult, '1.10': b as FluxJudgeResult };
}

let printed = false;

/**
 * Prints, once per process, which source-controller each judge is and the dependency
 * substitutions it was built with (the module proxy refuses some of v1.10's dependencies).
 */
export async function describeJudges(): Promise<string> {
  const lines: string[] = [];
  for (const line of FLUX_LINES) {
    const { stdout } = await run(toolPath(`fluxjudge-${line}` as ToolName), ['--about']);
    const about = JSON.parse(stdout) as { sourceController: string; substitutions: string };
    lines.push(
      `fluxjudge-${line}: source-controller ${about.sourceController}${about.substitutions ? `, substituted (proxy refuses the required versions): ${about.substitutions.split(',').join(', ')}` : ', exact go.sum'}`,
    );
  }
  const text = lines.join('\n');
  if (!printed) {
    printed = true;
    process.stdout.write(`${text}\n`);
  }
  return text;
}
