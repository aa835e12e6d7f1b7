// Runs our workflows (test/act/workflows) with nektos/act, a real Actions runner implementation,
// in host mode and offline:
// - `-P ubuntu-latest=-self-hosted`: steps run as processes on this machine, no Docker;
// - `--pull=false --action-offline-mode`: nothing is fetched;
// - `uses: owner/flux-oci-action@v1` (and `/cleanup@v1`) resolve through `--local-repository` to
//   a copy of what a release tag of this repository holds (every action.yml and dist/), so the
//   workflow names the action exactly as users do;
// - `actions/checkout@v7` resolves the same way to test/act/checkout, a composite action running
//   checkout's default git steps against a local origin ($CHECKOUT_ORIGIN); `--no-skip-checkout`
//   stops act from replacing checkout by a copy of its working directory;
// - Node 24 (.tools/bin/node24) is first on PATH as `node`, crane next to it for assertion steps.
import { spawn } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, TOOLS_BIN, toolPath } from './tools.js';

export const ACT_WORKFLOWS = join(REPO_ROOT, 'test', 'act', 'workflows');
const CHECKOUT_STAND_IN = join(REPO_ROOT, 'test', 'act', 'checkout');

export interface ActRunner {
  run(options: ActRunOptions): Promise<ActResult>;
  stop(): void;
}

export interface ActRunOptions {
  /** File name in test/act/workflows. */
  workflow: string;
  event: string;
  payload: object;
  /** Runner variables act does not derive by itself (`GITHUB_REPOSITORY`, `SHA_REF` = github.sha). */
  env?: Record<string, string>;
  vars?: Record<string, string>;
  secrets?: Record<string, string>;
  timeoutMs?: number;
}

export interface ActResult {
  exitCode: number;
  log: string;
  ms: number;
  /** Files the workflow's assertion steps wrote to $ACT_RESULTS, parsed as JSON. */
  results: Record<string, Record<string, string>>;
  /** Job summaries act reported (`Summary - …` lines). */
  summary: string;
}

export function actRunner(opts: {
  origin: string;
  processEnv?: Record<string, string>;
}): ActRunner {
  const root = mkdtempSync(join(tmpdir(), 'act-'));
  // What a release tag of this repository holds: action.yml files and the bundled dist/.
  const release = join(root, 'release');
  mkdirSync(release);
  cpSync(join(REPO_ROOT, 'action.yml'), join(release, 'action.yml'));
  cpSync(join(REPO_ROOT, 'dist'), join(release, 'dist'), { recursive: true });
  for (const d of readdirSync(REPO_ROOT)) {
    if (existsSync(join(REPO_ROOT, d, 'action.yml')) && d !== 'node_modules') {
      mkdirSync(join(release, d));
      cpSync(join(REPO_ROOT, d, 'action.yml'), join(release, d, 'action.yml'));
    }
  }
  const nodeDir = join(root, 'node24');
  mkdirSync(nodeDir);
  symlinkSync(toolPath('node24'), join(nodeDir, 'node'));
  const workdir = join(root, 'workdir'); // act's -C: nothing in it; checkout fills the workspace
  mkdirSync(workdir);

  return {
    async run(o) {
      const home = mkdtempSync(join(root, 'home-'));
      const results = mkdtempSync(join(root, 'results-'));
      const eventFile = join(root, `${o.event}-${Date.now()}.json`);
      writeFileSync(eventFile, JSON.stringify(o.payload));
      const args = [
        o.event,
        '-C',
        workdir,
        '-W',
        join(ACT_WORKFLOWS, o.workflow),
        '-e',
        eventFile,
        '-P',
        'ubuntu-latest=-self-hosted',
        '--pull=false',
        '--action-offline-mode',
        '--no-skip-checkout',
        '--local-repository',
        `owner/flux-oci-action@v1=${release}`,
        '--local-repository',
        `actions/checkout@v7=${CHECKOUT_STAND_IN}`,
        '--container-daemon-socket',
        '-',
      ];
      for (const [k, v] of Object.entries(o.env ?? {})) args.push('--env', `${k}=${v}`);
      for (const [k, v] of Object.entries(o.vars ?? {})) args.push('--var', `${k}=${v}`);
      for (const [k, v] of Object.entries(o.secrets ?? {})) args.push('-s', `${k}=${v}`);
      const env: Record<string, string> = {
        PATH: `${nodeDir}:${TOOLS_BIN}:/usr/local/bin:/usr/bin:/bin`,
        HOME: home,
        DOCKER_CONFIG: join(home, '.docker'),
        ACT_RESULTS: results,
        CHECKOUT_ORIGIN: opts.origin,
        LC_ALL: 'C',
        ...(opts.processEnv ?? {}),
      };
      const started = Date.now();
      const child = spawn(toolPath('act'), args, {
        env,
        cwd: workdir,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let log = '';
      child.stdout.on('data', (d: Buffer) => {
        log += d.toString();
      });
      child.stderr.on('data', (d: Buffer) => {
        log += d.toString();
      });
      const timeout = o.timeoutMs ?? 180_000;
      const exitCode = await new Promise<number>((resolve) => {
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          log += `\n[test] act killed after ${timeout} ms\n`;
        }, timeout);
        child.on('close', (code) => {
          clearTimeout(timer);
          resolve(code ?? 1);
        });
      });
      const parsed: ActResult['results'] = {};
      for (const f of readdirSync(results)) {
        try {
          parsed[f.replace(/\.json$/, '')] = JSON.parse(readFileSync(join(results, f), 'utf8'));
        } catch {
          // an assertion step that failed half-way: the log says why
        }
      }
      const summary = log
        .split('\n')
        .filter((l) => l.includes('Summary - '))
        .map((l) => l.slice(l.indexOf('Summary - ') + 10))
        .join('\n');
      rmSync(home, { recursive: true, force: true });
      return { exitCode, log, ms: Date.now() - started, results: parsed, summary };
    },
    stop() {
      rmSync(root, { recursive: true, force: true });
    },
  };
}
