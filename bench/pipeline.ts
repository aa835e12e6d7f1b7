// Side-by-side: the publish pipeline users run today (flux push artifact → cosign sign → flux tag
// artifact) vs our publish step (dist/publish.js under Node 24), against the same local registry
// and loopback Sigstore stack, on the same tree. The CLI side excludes the time its setup actions
// spend downloading flux and cosign on every run, which favours the CLI.
// Usage: node --import tsx bench/pipeline.ts [--files 500] [--runs 3]
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runAction } from '../test/harness/action.js';
import { startKeyless } from '../test/harness/keyless.js';
import { startRegistry } from '../test/harness/registry.js';
import { toolPath } from '../test/harness/tools.js';

const run = promisify(execFile);
const args = process.argv.slice(2);
const flag = (name: string, fallback: string) =>
  args.includes(name) ? (args[args.indexOf(name) + 1] ?? fallback) : fallback;
const files = Number(flag('--files', '500'));
const runs = Number(flag('--runs', '3'));

const median = (xs: number[]) =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

const ws = mkdtempSync(join(tmpdir(), 'bench-pipeline-'));
const home = mkdtempSync(join(tmpdir(), 'bench-home-'));
const registry = await startRegistry({});
const keyless = await startKeyless({ repository: 'org/app', ref: 'refs/heads/main' });
const { oidc, stack } = keyless;
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
  const ours: number[] = [];
  const oursV2: number[] = [];
  const cli: number[] = [];
  for (let r = 0; r < runs; r++) {
    const repo = `${registry.host}/org/app`;
    // Each run pushes a new revision so neither side can skip work.
    writeFileSync(join(ws, 'deploy', 'run.yaml'), `run: ${r}\n`);

    // Ours twice: the default (both signature formats) and cosign-v2 only, like `cosign sign` v2.
    for (const [format, into] of [
      ['both', ours],
      ['cosign-v2', oursV2],
    ] as const) {
      const t0 = performance.now();
      const res = await runAction('publish', {
        inputs: {
          repository: `${repo}-ours-${format}`,
          path: 'deploy',
          'signature-format': format,
          'fulcio-url': stack.fulcioURL,
          'rekor-url': stack.rekorURL,
        },
        env: oidc.env,
        event: { ref: 'refs/heads/main', repository: { default_branch: 'main' } },
        workspace: ws,
      });
      if (res.exitCode !== 0) throw new Error(`publish failed: ${res.stdout}`);
      into.push((performance.now() - t0) / 1000);
    }

    const t = performance.now();
    const tag = `run-${r}`;
    const { stdout } = await run(
      toolPath('flux'),
      [
        'push',
        'artifact',
        `oci://${repo}-cli:${tag}`,
        '--path',
        join(ws, 'deploy'),
        '--source',
        'https://github.com/org/app',
        '--revision',
        `main@sha1:${'a'.repeat(40)}`,
        '--output',
        'json',
      ],
      { env },
    );
    const pushed = JSON.parse(stdout) as { repository: string; digest: string };
    await run(
      toolPath('cosign2'),
      [...keyless.cosignSignArgs('cosign2'), `${pushed.repository}@${pushed.digest}`],
      { env: { ...env, COSIGN_PASSWORD: '' } },
    );
    await run(
      toolPath('flux'),
      ['tag', 'artifact', `oci://${repo}-cli:${tag}`, '--tag', 'latest'],
      { env },
    );
    cli.push((performance.now() - t) / 1000);
    console.error(
      `run ${r + 1}: ours ${ours.at(-1)?.toFixed(2)} s, flux+cosign+flux ${cli.at(-1)?.toFixed(2)} s`,
    );
  }
  const o = median(ours);
  const c = median(cli);
  console.log(
    `Publish pipeline, ${files} files, median of ${runs} runs (keyless signing against the loopback Sigstore stack)\n`,
  );
  console.log('| pipeline | seconds |');
  console.log('| --- | --- |');
  console.log(
    `| ours: publish step (build, push, sign cosign-v2 + cosign-v3, 2 tags) | ${o.toFixed(2)} |`,
  );
  console.log(`| ours: publish step, signature-format cosign-v2 | ${median(oursV2).toFixed(2)} |`);
  console.log(`| CLI: flux push + cosign sign (v2, .sig only) + flux tag | ${c.toFixed(2)} |`);
  console.log(`| ratio ours (both formats) / CLI | ${(o / c).toFixed(2)}x |`);
  console.log(`| ratio ours (cosign-v2) / CLI | ${(median(oursV2) / c).toFixed(2)}x |`);
} finally {
  await registry.stop();
  await keyless.stop();
  rmSync(ws, { recursive: true, force: true });
  rmSync(home, { recursive: true, force: true });
}
