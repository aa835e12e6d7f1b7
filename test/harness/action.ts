// Runs a bundled entry point (dist/<name>.js) the way the GitHub runner runs a node24 action:
// a child process with INPUT_* variables, GITHUB_OUTPUT / GITHUB_STEP_SUMMARY files and an event
// payload file, then reads back what the action wrote.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LEFTOVER_MARK } from '../../src/github/run.js';
import { REPO_ROOT, toolPath } from './tools.js';

export interface RunOptions {
  inputs?: Record<string, string>;
  /** Extra environment (GITHUB_REF, ACTIONS_ID_TOKEN_REQUEST_URL, DOCKER_CONFIG, …). */
  env?: Record<string, string | undefined>;
  eventName?: string;
  event?: object;
  workspace?: string;
  /** Node binary; default the pinned Node 24 the runner uses. */
  node?: string;
  timeoutMs?: number;
  /** The bundle's directory instead of dist/ (benchmarks compare builds). */
  distDir?: string;
}

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
  /** Lines the runner would show as errors (`::error::…`). */
  errors: string[];
  /** From spawning the process to its first output line (cold start), in ms. */
  firstOutputMs: number;
}

/** Parses the GITHUB_OUTPUT file format: `name=value` lines and `name<<DELIM` heredocs. */
export function parseOutputFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name, delim] = heredoc;
      const body: string[] = [];
      for (i++; i < lines.length && lines[i] !== delim; i++) body.push(lines[i] ?? '');
      out[name as string] = body.join('\n');
    } else if (line.includes('=')) {
      const eq = line.indexOf('=');
      out[line.slice(0, eq)] = line.slice(eq + 1);
    }
  }
  return out;
}

export async function runAction(entry: string, opts: RunOptions = {}): Promise<RunResult> {
  const dir = mkdtempSync(join(tmpdir(), `run-${entry}-`));
  try {
    const outputFile = join(dir, 'output');
    const summaryFile = join(dir, 'summary');
    const eventFile = join(dir, 'event.json');
    writeFileSync(outputFile, '');
    writeFileSync(summaryFile, '');
    writeFileSync(eventFile, JSON.stringify(opts.event ?? {}));
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? dir,
      RUNNER_TEMP: dir,
      RUNNER_OS: 'Linux',
      GITHUB_ACTIONS: 'true',
      CI: 'true',
      GITHUB_OUTPUT: outputFile,
      GITHUB_STEP_SUMMARY: summaryFile,
      GITHUB_EVENT_PATH: eventFile,
      GITHUB_EVENT_NAME: opts.eventName ?? 'push',
      GITHUB_WORKSPACE: opts.workspace ?? dir,
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_REPOSITORY: 'org/app-config',
      GITHUB_REF: 'refs/heads/main',
      GITHUB_SHA: '9f2c4b1e8d7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e',
      // Keep test runs away from any Docker config on the developer's machine.
      DOCKER_CONFIG: join(dir, 'docker'),
    };
    for (const [k, v] of Object.entries(opts.env ?? {})) {
      if (v === undefined) delete env[k];
      else env[k] = v;
    }
    // The runner upper-cases the input name and replaces spaces with '_' (hyphens stay).
    for (const [k, v] of Object.entries(opts.inputs ?? {})) {
      env[`INPUT_${k.replace(/ /g, '_').toUpperCase()}`] = v;
    }
    const node = opts.node ?? toolPath('node24');
    const script = join(opts.distDir ?? join(REPO_ROOT, 'dist'), `${entry}.js`);
    const child = spawn(node, [script], {
      env,
      cwd: env.GITHUB_WORKSPACE,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const spawned = performance.now();
    let firstOutputMs = Number.NaN;
    child.stdout.on('data', (d: Buffer) => {
      if (Number.isNaN(firstOutputMs)) firstOutputMs = performance.now() - spawned;
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const timeout = opts.timeoutMs ?? 120_000;
    const exitCode = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`${entry} did not finish within ${timeout} ms\n${stdout}\n${stderr}`));
      }, timeout);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve(code ?? 1);
      });
    });
    // The entry exits by itself after a grace period when something was left running: a bug.
    if (stdout.includes(LEFTOVER_MARK)) {
      throw new Error(`${entry} finished but did not exit by itself:\n${stdout}\n${stderr}`);
    }
    const errors = stdout
      .split('\n')
      .filter((l) => l.startsWith('::error'))
      .map((l) => l.replace(/^::error[^:]*::/, ''));
    return {
      exitCode,
      stdout,
      stderr,
      outputs: parseOutputFile(readFileSync(outputFile, 'utf8')),
      summary: readFileSync(summaryFile, 'utf8'),
      errors,
      firstOutputMs,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
