// Where a publish's time goes: one publish per variant (unsigned; keyless and key, each format)
// against the loopback registry and Sigstore stack, with a preload that stamps every log line and
// every HTTP request (node:http's and undici's diagnostics channels: sent, headers answered) with the
// time since the process started, plus the process's CPU time at each mark. The workspace is
// bench/pipeline.ts's: the same tree in a git checkout with a new commit per run.
// Usage: node --import tsx bench/publish-timeline.ts [--files 500] [--runs 2] [--only key]
//        [--cpu-prof DIR]   (writes one .cpuprofile per run: open in Chrome DevTools)
//        [--dist DIR]       (a bundle built by scripts/build.mjs's bundle(DIR, { minify: false });
//                            outside the repository, give DIR a package.json {"type":"module"}:
//                            else Node parses each file twice to tell its format, in the profile)
//        [--loads]          (marks each module file as it is loaded)
//        [--rtt MS]         (registry, Fulcio and Rekor MS of round trip away: bench/services.ts)
//        [--v8-flags '--trace-gc']   (set in the step's Node by the preload; what they print is
//                                     in the timeline)
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encryptCosignKey } from '../src/signing/key.js';
import { runAction } from '../test/harness/action.js';
import { flag } from './args.js';
import { startBenchServices } from './services.js';
import { commitRun, initCheckout, writeBenchTree } from './tree.js';

const files = Number(flag('--files', '500'));
const runs = Number(flag('--runs', '2'));
const only = flag('--only', '');
const cpuProf = flag('--cpu-prof', '');
/** Another bundle's directory (e.g. an unminified build, to read a CPU profile's names). */
const distDir = flag('--dist', '');
const v8Flags = flag('--v8-flags', '');
/** Marks every module file the step loads (Node 24's module.registerHooks). */
const loads = process.argv.includes('--loads');

const ws = mkdtempSync(join(tmpdir(), 'bench-timeline-'));
const home = mkdtempSync(join(tmpdir(), 'bench-timeline-home-'));
const services = await startBenchServices(Number(flag('--rtt', '0')));
const { registryHost, keyless } = services;
const PASSWORD = 'bench';
const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const keyPEM = await encryptCosignKey(privateKey, PASSWORD);
const marks = join(home, 'marks');
const preload = join(home, 'timeline-preload.cjs');
writeFileSync(
  preload,
  `const fs = require('node:fs');
require('node:v8').setFlagsFromString(${JSON.stringify(v8Flags)});
const dc = require('node:diagnostics_channel');
const out = ${JSON.stringify(marks)};
const lines = [];
const cpu = () => { const c = process.cpuUsage(); return Math.round((c.user + c.system) / 1000); };
const mark = (what) => lines.push(performance.now().toFixed(1) + ' ' + cpu() + ' ' + what);
const write = process.stdout.write.bind(process.stdout);
process.stdout.write = (chunk, ...rest) => {
  for (const l of String(chunk).split('\\n')) if (l && !l.startsWith('::debug')) mark('log ' + l.slice(0, 110));
  return write(chunk, ...rest);
};
const ids = new WeakMap(); let n = 0;
const name = (r) => { let id = ids.get(r); if (!id) { id = ++n; ids.set(r, id); } return '#' + id; };
dc.channel('undici:request:create').subscribe(({ request: r }) =>
  mark('req ' + name(r) + ' ' + r.method + ' ' + r.origin.replace(/^https?:\\/\\/127\\.0\\.0\\.1/, '') + r.path.replace(/sha256[:-]([0-9a-f]{8})[0-9a-f]{56}/g, 'sha256:$1').slice(0, 90)));
dc.channel('undici:request:headers').subscribe(({ request: r, response }) => mark('hdr ' + name(r) + ' ' + response.statusCode));
dc.channel('undici:request:trailers').subscribe(({ request: r }) => mark('end ' + name(r)));
dc.channel('undici:request:error').subscribe(({ request: r, error }) => mark('err ' + name(r) + ' ' + error.message));
// node:http (no proxy set): the request is written, the response's headers are in, or it failed.
dc.channel('http.client.request.start').subscribe(({ request: r }) =>
  mark('req ' + name(r) + ' ' + r.method + ' :' + (r.socket?.remotePort ?? r.host) + r.path.replace(/sha256[:-]([0-9a-f]{8})[0-9a-f]{56}/g, 'sha256:$1').slice(0, 90)));
dc.channel('http.client.response.finish').subscribe(({ request: r, response }) => mark('hdr ' + name(r) + ' ' + response.statusCode));
dc.channel('http.client.request.error').subscribe(({ request: r, error }) => mark('err ' + name(r) + ' ' + error.message));
if (${JSON.stringify(loads)}) require('node:module').registerHooks({ load(url, ctx, next) { const r = next(url, ctx); if (!url.startsWith('node:')) mark('load ' + url.slice(url.lastIndexOf('/') + 1)); return r; } });
process.on('exit', () => { mark('exit'); fs.appendFileSync(out, lines.join('\\n') + '\\n---\\n'); });
`,
);

type Variant = { name: string; inputs: Record<string, string>; env: Record<string, string> };
const variants: Variant[] = [{ name: 'unsigned', inputs: { sign: 'false' }, env: {} }];
for (const [mode, inputs, env] of [
  ['keyless', keyless.inputs, keyless.runnerEnv],
  ['key', { 'cosign-key': keyPEM, 'cosign-key-password': PASSWORD }, {}],
] as const) {
  for (const format of ['both', 'cosign-v2', 'cosign-v3']) {
    variants.push({
      name: `${mode} ${format}`,
      inputs: { ...inputs, 'signature-format': format },
      env: env as Record<string, string>,
    });
  }
}
try {
  writeBenchTree(ws, files);
  initCheckout(ws);
  for (let r = 0; r < runs; r++) {
    const sha = commitRun(ws, r);
    for (const [n, v] of variants.entries()) {
      if (only && !v.name.startsWith(only) && v.name !== 'unsigned') continue;
      writeFileSync(marks, '');
      const options = `--require ${preload}${cpuProf ? ` --cpu-prof --cpu-prof-interval=250 --cpu-prof-dir=${cpuProf} --cpu-prof-name=${v.name.replace(' ', '-')}-${r}.cpuprofile` : ''}`;
      const t0 = performance.now();
      const res = await runAction('publish', {
        inputs: { repository: `${registryHost}/org/tl-${n}`, path: 'deploy', ...v.inputs },
        env: { ...v.env, NODE_OPTIONS: options, GITHUB_SHA: sha },
        event: { ref: 'refs/heads/main', repository: { default_branch: 'main' } },
        workspace: ws,
        ...(distDir ? { distDir } : {}),
      });
      const wall = performance.now() - t0;
      // What the flags print (e.g. --trace-gc: "<ms since the isolate started> ms: Scavenge …").
      const v8Lines = v8Flags ? res.stdout.split('\n').filter((l) => /^\[\d+:/.test(l)) : [];
      if (res.exitCode !== 0) throw new Error(`${v.name} failed: ${res.stdout}`);
      const text = readFileSync(marks, 'utf8').split('\n---\n')[0] ?? '';
      console.log(
        `\n=== ${v.name} (run ${r + 1}): wall ${wall.toFixed(0)} ms as seen by the parent`,
      );
      console.log('  ms(since start) cpu-ms event');
      for (const l of text.split('\n')) if (l) console.log(`  ${l}`);
      for (const l of v8Lines) console.log(`  v8 ${l}`);
    }
  }
} finally {
  await services.stop();
  rmSync(ws, { recursive: true, force: true });
  rmSync(home, { recursive: true, force: true });
}
