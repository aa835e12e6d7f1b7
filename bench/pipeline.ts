// Side-by-side: the publish pipeline users run today (flux push artifact → cosign sign → flux tag
// artifact) vs our publish step (dist/publish.js under Node 24), against the same local registry
// and loopback Sigstore stack, on the same tree, keyless and with a cosign key, in each signature
// format; plus an unsigned publish (what signing adds) and the cold start to the first log line.
// The CLI side excludes the time its setup actions spend downloading flux and cosign on every
// run, which favours the CLI.
// Usage: node --import tsx bench/pipeline.ts [--files 500] [--runs 3] [--before DIR] [--only unsigned]
//   --before DIR: also runs another bundle (e.g. `git worktree` of an older commit, `npm run build`)
//   right after each of ours, alternating in this process, as rows marked "(before)".
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { encryptCosignKey } from '../src/signing/key.js';
import { runAction } from '../test/harness/action.js';
import { startKeyless } from '../test/harness/keyless.js';
import { startRegistry } from '../test/harness/registry.js';
import { toolPath } from '../test/harness/tools.js';
import { flag } from './args.js';
import { fluxPushArgs } from './flux-cli.js';

const run = promisify(execFile);
const files = Number(flag('--files', '500'));
const runs = Number(flag('--runs', '3'));
const before = flag('--before', '');
// --only unsigned: our variants whose name starts with this (the CLI pipeline always runs).
const only = flag('--only', '');

const median = (xs: number[]) =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

const ws = mkdtempSync(join(tmpdir(), 'bench-pipeline-'));
const home = mkdtempSync(join(tmpdir(), 'bench-home-'));
const registry = await startRegistry({});
const keyless = await startKeyless({ repository: 'org/app', ref: 'refs/heads/main' });
const { oidc, stack } = keyless;
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
const keylessInputs = { 'fulcio-url': stack.fulcioURL, 'rekor-url': stack.rekorURL };
const keyInputs = { 'cosign-key': keyPEM, 'cosign-key-password': PASSWORD };
const ours: Variant[] = [{ name: UNSIGNED, inputs: { sign: 'false' }, env: {} }];
for (const [mode, inputs, env] of [
  ['keyless', keylessInputs, oidc.env],
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
if (only) ours.splice(0, ours.length, ...ours.filter((v) => v.name.startsWith(only)));
if (before) {
  for (const v of [...ours]) {
    ours.splice(ours.indexOf(v) + 1, 0, { ...v, name: `${v.name} (before)`, distDir: before });
  }
}
const times = new Map<string, number[]>(ours.map((v) => [v.name, []]));
const cpu = new Map<string, number[]>(ours.map((v) => [v.name, []]));
const cliCpu = { keyless: [] as number[], key: [] as number[] };
const firstLine: number[] = [];
const cli = { keyless: [] as number[], key: [] as number[] };
/** Each CLI command's wall time, per mode: where the CLI pipeline spends its time. */
const cliSteps = {
  keyless: { push: [] as number[], sign: [] as number[], tag: [] as number[] },
  key: { push: [] as number[], sign: [] as number[], tag: [] as number[] },
};

try {
  for (let i = 0; i < files; i++) {
    const dir = join(ws, 'deploy', `app-${i % 25}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, `m-${i}.yaml`),
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${i}\ndata:\n  k: "${'v'.repeat(200 + (i % 500))}"\n`,
    );
  }
  const env = { PATH: process.env.PATH ?? '', HOME: home, TZ: 'UTC', NO_PROXY: '127.0.0.1' };
  const repo = `${registry.host}/org/app`;
  for (let r = 0; r < runs; r++) {
    // Each run pushes a new revision so no side can skip work.
    writeFileSync(join(ws, 'deploy', 'run.yaml'), `run: ${r}\n`);
    for (const [n, v] of ours.entries()) {
      takeCpu();
      const t0 = performance.now();
      const res = await runAction('publish', {
        inputs: { repository: `${repo}-ours-${n}`, path: 'deploy', ...v.inputs },
        env: { ...v.env, ...cpuEnv },
        event: { ref: 'refs/heads/main', repository: { default_branch: 'main' } },
        workspace: ws,
        ...(v.distDir ? { distDir: v.distDir } : {}),
      });
      if (res.exitCode !== 0) throw new Error(`publish (${v.name}) failed: ${res.stdout}`);
      times.get(v.name)?.push((performance.now() - t0) / 1000);
      cpu.get(v.name)?.push(takeCpu());
      if (!v.distDir) firstLine.push(res.firstOutputMs);
    }

    for (const mode of ['keyless', 'key'] as const) {
      takeCpu();
      const t = performance.now();
      const target = `oci://${repo}-cli-${mode}:run-${r}`;
      const { stdout } = await timed(toolPath('flux'), fluxPushArgs(target, join(ws, 'deploy')), {
        env,
      });
      const tPushed = performance.now();
      const pushed = JSON.parse(stdout) as { repository: string; digest: string };
      const ref = `${pushed.repository}@${pushed.digest}`;
      const signArgs =
        mode === 'keyless'
          ? keyless.cosignSignArgs('cosign2')
          : [
              'sign',
              '--yes',
              '--allow-http-registry',
              '--key',
              join(home, 'cosign.key'),
              '--tlog-upload=false',
            ];
      await timed(toolPath('cosign2'), [...signArgs, ref], {
        env: { ...env, COSIGN_PASSWORD: mode === 'key' ? PASSWORD : '' },
      });
      const tSigned = performance.now();
      await timed(toolPath('flux'), ['tag', 'artifact', target, '--tag', 'latest'], { env });
      const tEnd = performance.now();
      cli[mode].push((tEnd - t) / 1000);
      cliSteps[mode].push.push((tPushed - t) / 1000);
      cliSteps[mode].sign.push((tSigned - tPushed) / 1000);
      cliSteps[mode].tag.push((tEnd - tSigned) / 1000);
      cliCpu[mode].push(takeCpu());
    }
    console.error(
      `run ${r + 1}: ${ours.map((v) => `${v.name} ${times.get(v.name)?.at(-1)?.toFixed(2)}`).join(', ')}; CLI keyless ${cli.keyless.at(-1)?.toFixed(2)}, key ${cli.key.at(-1)?.toFixed(2)}`,
    );
  }
  const m = (name: string) => median(times.get(name) ?? []);
  const mc = (name: string) => median(cpu.get(name) ?? []);
  const unsigned = m(UNSIGNED);
  console.log(
    `Publish pipeline, ${files} files, median of ${runs} runs (loopback distribution registry and Sigstore stack)\n`,
  );
  const unsignedCpu = mc(UNSIGNED);
  console.log(
    '| our publish step | wall s | CPU s | wall vs CLI (same signing) | CPU vs CLI | signing adds, wall / CPU |',
  );
  console.log('| --- | --- | --- | --- | --- | --- |');
  console.log(
    `| unsigned (sign: false) | ${unsigned.toFixed(2)} | ${unsignedCpu.toFixed(2)} | | | |`,
  );
  if (before) {
    console.log(
      `| unsigned (sign: false) (before) | ${m(`${UNSIGNED} (before)`).toFixed(2)} | ${mc(`${UNSIGNED} (before)`).toFixed(2)} | | | |`,
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
    const c = median(cli[mode]);
    const cc = median(cliCpu[mode]);
    console.log(
      `| ${v.name} | ${m(v.name).toFixed(2)} | ${mc(v.name).toFixed(2)} | ${(m(v.name) / c).toFixed(2)}x | ${(mc(v.name) / cc).toFixed(2)}x | ${Math.round(added(times, v.name) * 1000)} ms / ${Math.round(added(cpu, v.name) * 1000)} ms |`,
    );
  }
  console.log(
    '\n"signing adds": per run, the variant minus the unsigned publish of the same run (wall: what a user waits longer; CPU: user + system of the step), median over the runs. Target: at most 150 ms wall.',
  );
  console.log(
    `\n| CLI: flux push + cosign sign (v2) + flux tag | wall s | CPU s | flux push / cosign sign / flux tag, wall s |\n| --- | --- | --- | --- |`,
  );
  for (const [mode, label] of [
    ['keyless', 'keyless'],
    ['key', 'key (--tlog-upload=false)'],
  ] as const) {
    const s = cliSteps[mode];
    console.log(
      `| ${label} | ${median(cli[mode]).toFixed(2)} | ${median(cliCpu[mode]).toFixed(2)} | ${[s.push, s.sign, s.tag].map((x) => median(x).toFixed(2)).join(' / ')} |`,
    );
  }
  console.log(
    `\nCold start of dist/publish.js under Node 24, spawn to first log line: median ${median(firstLine).toFixed(0)} ms over ${firstLine.length} starts`,
  );
} finally {
  await registry.stop();
  await keyless.stop();
  rmSync(ws, { recursive: true, force: true });
  rmSync(home, { recursive: true, force: true });
}
