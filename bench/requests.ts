// Registry requests per publish: our publish step (dist/publish.js under Node 24; unsigned, key
// and keyless, each signature format) and the CLI pipeline (flux push artifact + cosign sign +
// flux tag artifact) through a pass-through proxy (test/harness/fault-proxy.ts with no faults)
// in front of the same real registry, which logs every request. Prints counts per publish and,
// with --detail, each request.
// Usage: node --import tsx bench/requests.ts [--files 100] [--referrers] [--detail]
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { encryptCosignKey } from '../src/signing/key.js';
import { runAction } from '../test/harness/action.js';
import { type SeenRequest, startFaultyRegistry } from '../test/harness/fault-proxy.js';
import { startKeyless } from '../test/harness/keyless.js';
import { cosignKeySignArgs, toolPath } from '../test/harness/tools.js';
import { flag, has } from './args.js';
import { fluxPushArgs } from './flux-cli.js';

const run = promisify(execFile);
const files = Number(flag('--files', '100'));
const referrers = has('--referrers');
const detail = has('--detail');

const ws = mkdtempSync(join(tmpdir(), 'bench-requests-'));
const home = mkdtempSync(join(tmpdir(), 'bench-requests-home-'));
const registry = await startFaultyRegistry({ referrers }, { seed: 1 });
const keyless = await startKeyless({ repository: 'org/app', ref: 'refs/heads/main' });
const PASSWORD = 'bench';
const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const keyPEM = await encryptCosignKey(privateKey, PASSWORD);
writeFileSync(join(home, 'cosign.key'), keyPEM);

/** Requests the proxy saw since `from`, as `METHOD path-shape` with digests/tags folded. */
function shape(r: SeenRequest): string {
  const path = r.path
    .replace(/\?.*$/, '')
    .replace(/sha256[:-][0-9a-f]{64}(\.sig)?/g, (m) => (m.endsWith('.sig') ? '<sig>' : '<dgst>'))
    .replace(/uploads\/[^/]+$/, 'uploads/<id>')
    .replace(/^\/v2\/[^/]+\/[^/]+\//, '/v2/<repo>/');
  return `${r.method} ${path} ${r.status ?? '-'}`;
}
const since = (n: number) => registry.proxy.history().filter((r) => r.seq > n);
const lastSeq = () => registry.proxy.history().at(-1)?.seq ?? 0;

const variants: { name: string; inputs: Record<string, string>; env: Record<string, string> }[] = [
  { name: 'unsigned', inputs: { sign: 'false' }, env: {} },
];
for (const [mode, inputs, env] of [
  ['keyless', keyless.inputs, keyless.oidc.env],
  ['key', { 'cosign-key': keyPEM, 'cosign-key-password': PASSWORD }, {}],
] as const) {
  for (const format of ['cosign-v2', 'cosign-v3', 'both']) {
    variants.push({
      name: `${mode}, ${format}`,
      inputs: { ...inputs, 'signature-format': format },
      env: env as Record<string, string>,
    });
  }
}

try {
  for (let i = 0; i < files; i++) {
    const dir = join(ws, 'deploy', `app-${i % 10}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, `m-${i}.yaml`),
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${i}\n`,
    );
  }
  const rows: string[] = [];
  const repo = `${registry.host}/org/app`;
  for (const [n, v] of variants.entries()) {
    const from = lastSeq();
    const res = await runAction('publish', {
      inputs: { repository: `${repo}-ours-${n}`, path: 'deploy', ...v.inputs },
      env: { ...v.env, NO_PROXY: '127.0.0.1' },
      event: { ref: 'refs/heads/main', repository: { default_branch: 'main' } },
      workspace: ws,
    });
    if (res.exitCode !== 0) throw new Error(`publish (${v.name}) failed: ${res.stdout}`);
    const seen = since(from);
    rows.push(`| ours: ${v.name} | ${seen.length} |`);
    if (detail) console.error(`\n${v.name}:\n  ${seen.map(shape).join('\n  ')}`);
  }
  const env = { PATH: process.env.PATH ?? '', HOME: home, TZ: 'UTC', NO_PROXY: '127.0.0.1' };
  for (const mode of ['keyless', 'key'] as const) {
    const from = lastSeq();
    const target = `oci://${repo}-cli-${mode}:v1`;
    const { stdout } = await run(toolPath('flux'), fluxPushArgs(target, join(ws, 'deploy')), {
      env,
    });
    const afterPush = lastSeq();
    const pushed = JSON.parse(stdout) as { repository: string; digest: string };
    const signArgs =
      mode === 'keyless'
        ? keyless.cosignSignArgs('cosign2')
        : cosignKeySignArgs(join(home, 'cosign.key'), 'cosign2');
    await run(toolPath('cosign2'), [...signArgs, `${pushed.repository}@${pushed.digest}`], {
      env: { ...env, COSIGN_PASSWORD: mode === 'key' ? PASSWORD : '' },
    });
    const afterSign = lastSeq();
    await run(toolPath('flux'), ['tag', 'artifact', target, '--tag', 'latest'], { env });
    const seen = since(from);
    rows.push(
      `| CLI ${mode} (cosign v2) | ${seen.length} (push ${afterPush - from}, sign ${afterSign - afterPush}, tag ${lastSeq() - afterSign}) |`,
    );
    if (detail) console.error(`\nCLI ${mode}:\n  ${seen.map(shape).join('\n  ')}`);
  }
  console.log(
    `Registry requests per publish (${referrers ? 'referrers-API registry' : 'distribution 2.8'}, ${files} files, tags: latest + sha)\n`,
  );
  console.log('| publish | requests |\n| --- | --- |');
  for (const r of rows) console.log(r);
} finally {
  await registry.stop();
  await keyless.stop();
  rmSync(ws, { recursive: true, force: true });
  rmSync(home, { recursive: true, force: true });
}
