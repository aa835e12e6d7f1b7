// Side-by-side: the publish pipeline users run today (flux push artifact → cosign sign → flux tag
// artifact) vs our publish step (dist/publish.js under Node 24), against the same local registry
// and loopback Sigstore stack, on the same tree, keyless and with a cosign key, in each signature
// format, each against the CLI pipeline of the same format (cosign v2 for `.sig`, cosign v3 for the
// bundle, both of them for "both"); plus an unsigned publish (what signing adds) and the cold
// start to the first log line.
// The CLI side excludes the time its setup actions spend downloading flux and cosign on every
// run, which favours the CLI. The workspace is a git checkout with a new commit per run (as
// actions/checkout leaves it): our step reads it with git, and the CLI side runs the git commands
// Flux's documentation puts in `--source` and `--revision` (remote URL, branch, HEAD).
// Usage: node --import tsx bench/pipeline.ts [--files 500] [--runs 3] [--before DIR] [--only unsigned]
//        [--rtt MS]
//   --rtt MS: registry, Fulcio and Rekor MS of round trip away (bench/services.ts).
//   --before DIR: also runs another bundle (e.g. `git worktree` of an older commit, `npm run build`)
//   right after each of ours, alternating in this process, as rows marked "(before)".
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { encryptCosignKey } from '../src/signing/key.js';
import { runAction } from '../test/harness/action.js';
import { cosignKeySignArgs, toolPath } from '../test/harness/tools.js';
import { flag } from './args.js';
import { fluxPushArgs } from './flux-cli.js';
import { startBenchServices } from './services.js';
import { commitRun, initCheckout, writeBenchTree } from './tree.js';

const run = promisify(execFile);
const files = Number(flag('--files', '500'));
const runs = Number(flag('--runs', '3'));
const before = flag('--before', '');
// --only 'key,': our variants whose name starts with this, and the unsigned one (what "signing
// adds" is measured from); `key` alone would match the keyless rows too. The CLI pipeline
// always runs.
const only = flag('--only', '');
const rtt = Number(flag('--rtt', '0'));

const median = (xs: number[]) =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

const ws = mkdtempSync(join(tmpdir(), 'bench-pipeline-'));
const home = mkdtempSync(join(tmpdir(), 'bench-home-'));
const services = await startBenchServices(rtt);
const { registryHost, keyless } = services;
const PASSWORD = 'bench';
const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const keyPEM = await encryptCosignKey(privateKey, PASSWORD);
writeFileSync(join(home, 'cosign.key'), keyPEM);

// CPU time (user + system, GNU time) next to wall time: on a shared machine wall time follows the
// load, CPU time much less so.
const cpuFile = join(home, 'cpu');
// Our step's CPU time comes from a preload that appends process.cpuUsage() at exit (a shell
// wrapper around GNU time would drop the INPUT_* variables whose names hold hyphens).
const preload = join(home, 'cpu-preload.cjs');
writeFileSync(
  preload,
  `const fs = require('node:fs');\nprocess.on('exit', () => { const c = process.cpuUsage(); fs.appendFileSync(${JSON.stringify(cpuFile)}, ((c.user + c.system) / 1e6) + '\\n'); });\n`,
);
const cpuEnv = { NODE_OPTIONS: `--require ${preload}` };
/** CPU seconds recorded since the last call. */
const takeCpu = () => {
  let text = '';
  try {
    text = readFileSync(cpuFile, 'utf8');
  } catch {}
  writeFileSync(cpuFile, '');
  return text
    .split(/\s+/)
    .filter((x) => /^\d+(\.\d+)?$/.test(x))
    .reduce((a, x) => a + Number(x), 0);
};
const timed = (bin: string, argv: string[], options: { env: Record<string, string> }) =>
  run('/usr/bin/time', ['-f', '%U %S', '-a', '-o', cpuFile, bin, ...argv], options);

type Variant = {
  name: string;
  inputs: Record<string, string>;
  env: Record<string, string>;
  distDir?: string;
};
const UNSIGNED = 'unsigned (sign: false)';
const keylessInputs = keyless.inputs;
const keyInputs = { 'cosign-key': keyPEM, 'cosign-key-password': PASSWORD };
const ours: Variant[] = [{ name: UNSIGNED, inputs: { sign: 'false' }, env: {} }];
for (const [mode, inputs, env] of [
  ['keyless', keylessInputs, keyless.runnerEnv],
  ['key', keyInputs, {}],
] as const) {
  for (const format of ['both', 'cosign-v2', 'cosign-v3']) {
    ours.push({
      name: `${mode}, ${format}`,
      inputs: { ...inputs, 'signature-format': format },
      env: env as Record<string, string>,
    });
  }
}
if (only) {
  const kept = ours.filter((v) => v.name === UNSIGNED || v.name.startsWith(only));
  ours.splice(0, ours.length, ...kept);
}
if (before) {
  for (const v of [...ours]) {
    ours.splice(ours.indexOf(v) + 1, 0, { ...v, name: `${v.name} (before)`, distDir: before });
  }
}
const times = new Map<string, number[]>(ours.map((v) => [v.name, []]));
const cpu = new Map<string, number[]>(ours.map((v) => [v.name, []]));
const firstLine: number[] = [];
// This process's own CPU during each run: the loopback Sigstore stack and OIDC endpoint answer
// from here (and the registry does not), so it is what the services cost the machine per run.
const benchCpu = new Map<string, number[]>(ours.map((v) => [v.name, []]));
const cpuSince = (start: NodeJS.CpuUsage) => {
  const d = process.cpuUsage(start);
  return (d.user + d.system) / 1e6;
};
// The CLI pipeline per mode and signature format: what a user runs today for that format
// (cosign v2 writes the `.sig` image, cosign v3 the bundle referrer; "both" runs the two).
const CLI_FORMATS = ['cosign-v2', 'cosign-v3', 'both'] as const;
type CliFormat = (typeof CLI_FORMATS)[number];
const cliKey = (mode: 'keyless' | 'key', format: CliFormat) => `${mode} ${format}`;
const cli = new Map<string, number[]>();
const cliCpu = new Map<string, number[]>();
/** Each CLI command's wall time: where the CLI pipeline spends its time. */
const cliSteps = new Map<string, { push: number[]; sign: number[]; tag: number[] }>();
for (const mode of ['keyless', 'key'] as const) {
  for (const format of CLI_FORMATS) {
    cli.set(cliKey(mode, format), []);
    benchCpu.set(`CLI ${cliKey(mode, format)}`, []);
    cliCpu.set(cliKey(mode, format), []);
    cliSteps.set(cliKey(mode, format), { push: [], sign: [], tag: [] });
  }
}
const cosignArgs = (mode: 'keyless' | 'key', cosign: 'cosign2' | 'cosign3') =>
  mode === 'keyless'
    ? keyless.cosignSignArgs(cosign, { fromRunner: true })
    : cosignKeySignArgs(join(home, 'cosign.key'), cosign);

try {
  writeBenchTree(ws, files);
  initCheckout(ws);
  const env = { PATH: process.env.PATH ?? '', HOME: home, TZ: 'UTC', NO_PROXY: '127.0.0.1' };
  /** What a workflow's shell asks git for `flux push artifact --source/--revision`. */
  const gitOut = async (args: string[]) =>
    (await timed('git', args, { env: { ...env, GIT_CONFIG_NOSYSTEM: '1' } })).stdout.trim();
  const repo = `${registryHost}/org/app`;
  for (let r = 0; r < runs; r++) {
    const sha = commitRun(ws, r);
    for (const [n, v] of ours.entries()) {
      takeCpu();
      const own0 = process.cpuUsage();
      const t0 = performance.now();
      const res = await runAction('publish', {
        inputs: { repository: `${repo}-ours-${n}`, path: 'deploy', ...v.inputs },
        env: { ...v.env, ...cpuEnv, GITHUB_SHA: sha },
        event: { ref: 'refs/heads/main', repository: { default_branch: 'main' } },
        workspace: ws,
        ...(v.distDir ? { distDir: v.distDir } : {}),
      });
      if (res.exitCode !== 0) throw new Error(`publish (${v.name}) failed: ${res.stdout}`);
      if (res.stdout.includes('no git checkout'))
        throw new Error(`publish (${v.name}) did not read the checkout: ${res.stdout}`);
      times.get(v.name)?.push((performance.now() - t0) / 1000);
      cpu.get(v.name)?.push(takeCpu());
      benchCpu.get(v.name)?.push(cpuSince(own0));
      if (!v.distDir) firstLine.push(res.firstOutputMs);
    }

    for (const mode of ['keyless', 'key'] as const) {
      for (const format of CLI_FORMATS) {
        const k = cliKey(mode, format);
        takeCpu();
        const own0 = process.cpuUsage();
        const t = performance.now();
        const target = `oci://${repo}-cli-${mode}-${format}:run-${r}`;
        const source = await gitOut(['-C', ws, 'config', '--get', 'remote.origin.url']);
        const branch = await gitOut(['-C', ws, 'branch', '--show-current']);
        const head = await gitOut(['-C', ws, 'rev-parse', 'HEAD']);
        const { stdout } = await timed(
          toolPath('flux'),
          fluxPushArgs(target, join(ws, 'deploy'), { source, revision: `${branch}@sha1:${head}` }),
          { env },
        );
        const tPushed = performance.now();
        const pushed = JSON.parse(stdout) as { repository: string; digest: string };
        const ref = `${pushed.repository}@${pushed.digest}`;
        const cosigns =
          format === 'both'
            ? (['cosign2', 'cosign3'] as const)
            : format === 'cosign-v2'
              ? (['cosign2'] as const)
              : (['cosign3'] as const);
        for (const cosign of cosigns) {
          await timed(toolPath(cosign), [...cosignArgs(mode, cosign), ref], {
            env: {
              ...env,
              ...(mode === 'keyless' ? keyless.runnerEnv : { COSIGN_PASSWORD: PASSWORD }),
            },
          });
        }
        const tSigned = performance.now();
        await timed(toolPath('flux'), ['tag', 'artifact', target, '--tag', 'latest'], { env });
        const tEnd = performance.now();
        cli.get(k)?.push((tEnd - t) / 1000);
        const steps = cliSteps.get(k);
        steps?.push.push((tPushed - t) / 1000);
        steps?.sign.push((tSigned - tPushed) / 1000);
        steps?.tag.push((tEnd - tSigned) / 1000);
        cliCpu.get(k)?.push(takeCpu());
        benchCpu.get(`CLI ${k}`)?.push(cpuSince(own0));
      }
    }
    console.error(
      `run ${r + 1}: ${ours.map((v) => `${v.name} ${times.get(v.name)?.at(-1)?.toFixed(2)}`).join(', ')}; CLI ${[...cli].map(([k, xs]) => `${k} ${xs.at(-1)?.toFixed(2)}`).join(', ')}`,
    );
  }
  const m = (name: string) => median(times.get(name) ?? []);
  const mc = (name: string) => median(cpu.get(name) ?? []);
  const unsigned = m(UNSIGNED);
  console.log(
    `Publish pipeline, ${files} files, median of ${runs} runs (loopback distribution registry and Sigstore stack${rtt > 0 ? `, each ${rtt} ms of round trip away` : ''})\n`,
  );
  const unsignedCpu = mc(UNSIGNED);
  console.log(
    '| our publish step | wall s | CPU s | wall vs CLI, same format | CPU vs CLI, same format | wall vs CLI with cosign v2 | signing adds, wall / CPU |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  console.log(
    `| unsigned (sign: false) | ${unsigned.toFixed(2)} | ${unsignedCpu.toFixed(2)} | | | | |`,
  );
  if (before) {
    console.log(
      `| unsigned (sign: false) (before) | ${m(`${UNSIGNED} (before)`).toFixed(2)} | ${mc(`${UNSIGNED} (before)`).toFixed(2)} | | | | |`,
    );
  }
  // "Signing adds": per run, this variant's time minus the unsigned publish's of the same run
  // (run right before it), median over the runs: the wall time a user waits longer for a signed
  // publish, and the CPU time it costs. Paired per run, so load that drifts between runs cancels.
  const added = (series: Map<string, number[]>, name: string) =>
    median(
      (series.get(name) ?? []).map(
        (x, r) =>
          x -
          (series.get(name.endsWith(' (before)') ? `${UNSIGNED} (before)` : UNSIGNED)?.[r] ??
            Number.NaN),
      ),
    );
  for (const v of ours.filter((x) => !x.name.startsWith(UNSIGNED))) {
    const mode = v.name.startsWith('keyless') ? 'keyless' : 'key';
    const format = CLI_FORMATS.find((f) => v.name.includes(`, ${f}`)) ?? 'cosign-v2';
    const c = median(cli.get(cliKey(mode, format)) ?? []);
    const cc = median(cliCpu.get(cliKey(mode, format)) ?? []);
    const c2 = median(cli.get(cliKey(mode, 'cosign-v2')) ?? []);
    console.log(
      `| ${v.name} | ${m(v.name).toFixed(2)} | ${mc(v.name).toFixed(2)} | ${(m(v.name) / c).toFixed(2)}x | ${(mc(v.name) / cc).toFixed(2)}x | ${(m(v.name) / c2).toFixed(2)}x | ${Math.round(added(times, v.name) * 1000)} ms / ${Math.round(added(cpu, v.name) * 1000)} ms |`,
    );
  }
  console.log(
    '\n"signing adds": per run, the variant minus the unsigned publish of the same run (wall: what a user waits longer; CPU: user + system of the step), median over the runs. Target: at most 150 ms wall.',
  );
  console.log(
    `\n| CLI: flux push + cosign sign + flux tag | wall s | CPU s | flux push / cosign sign / flux tag, wall s |\n| --- | --- | --- | --- |`,
  );
  const cosignLabel = {
    'cosign-v2': 'cosign v2',
    'cosign-v3': 'cosign v3',
    both: 'cosign v2, then cosign v3',
  };
  for (const [mode, label] of [
    ['keyless', 'keyless'],
    ['key', 'key (--tlog-upload=false)'],
  ] as const) {
    for (const format of CLI_FORMATS) {
      const k = cliKey(mode, format);
      const s = cliSteps.get(k) ?? { push: [], sign: [], tag: [] };
      console.log(
        `| ${label}, ${format} (${cosignLabel[format]}) | ${median(cli.get(k) ?? []).toFixed(2)} | ${median(cliCpu.get(k) ?? []).toFixed(2)} | ${[s.push, s.sign, s.tag].map((x) => median(x).toFixed(2)).join(' / ')} |`,
      );
    }
  }
  console.log(
    `\nCold start of dist/publish.js under Node 24, spawn to first log line: median ${median(firstLine).toFixed(0)} ms over ${firstLine.length} starts`,
  );
  const keylessCpu = [...benchCpu]
    .filter(([name]) => name.includes('keyless') || name === UNSIGNED)
    .map(([name, xs]) => `${name} ${Math.round(median(xs) * 1000)} ms`);
  console.log(
    `\nCPU of the bench process per run (the loopback Sigstore stack and OIDC endpoint, plus the harness), median: ${keylessCpu.join('; ')}`,
  );
} finally {
  await services.stop();
  rmSync(ws, { recursive: true, force: true });
  rmSync(home, { recursive: true, force: true });
}
