// Issue 10 (cold start): what every bundled entry point prints first, and which of Node's own
// modules it has loaded by then, under Node 24 as on the runner. Each entry's first line says what
// it does and where, once its inputs (and, for publish and push, the git checkout) are read and
// checked, before its first registry request. Node's internal undici (~40 ms, pulled in by an ESM
// import of node:http or by reading globalThis.Headers) and node:http2 (~10–15 ms) are not needed
// at that point; scripts/build.mjs keeps them out (lazyHttp, UNDICI_PATCHES); nor is undici's
// core, which loads on the first request (src/oci/http.ts) and brings node:http with it.
// Structural, not timed: the list of loaded modules is read at the first write, then the process
// stops (nothing reaches a registry; the registry address is a closed port anyway).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runAction } from '../harness/action.js';
import { commitCheckout } from '../harness/git.js';

const REPO = '127.0.0.1:9/org/app';
const NOT_BEFORE_FIRST_LINE = [
  'NativeModule internal/deps/undici/undici',
  'NativeModule http2',
  'NativeModule http',
  // Loaded on first use (scripts/build.mjs, lazyBuiltins): digests, gzip and git come after the
  // first line (~8 ms of every start).
  'NativeModule crypto',
  'NativeModule zlib',
  'NativeModule child_process',
  // Only an ESM facade of node:util (or worker_threads itself) loads these before the first line:
  // builtins come through require() (scripts/build.mjs, requireBuiltins).
  'NativeModule worker_threads',
  'NativeModule internal/util/parse_args/parse_args',
];

describe('cold start: the first line, and the Node modules loaded before it', () => {
  let dir = '';
  let ws = '';
  let sha = '';
  let preload = '';
  let list = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'cold-modules-'));
    ws = join(dir, 'ws');
    mkdirSync(join(ws, 'deploy'), { recursive: true });
    writeFileSync(join(ws, 'deploy', 'app.yaml'), 'kind: ConfigMap\n');
    // A checkout at the event's commit, as actions/checkout leaves it.
    sha = commitCheckout(ws);
    list = join(dir, 'modules.txt');
    preload = join(dir, 'first-line.cjs');
    // At the first stdout write: record what is loaded, then stop.
    writeFileSync(
      preload,
      `const write = process.stdout.write.bind(process.stdout);
process.stdout.write = (...a) => {
  require('node:fs').writeFileSync(${JSON.stringify(list)}, process.moduleLoadList.join('\\n'));
  write(...a, () => process.exit(0));
  return true;
};
`,
    );
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const identity = "- issuer: '.*'\n  subject: '.*'";
  const cases: [string, Record<string, string>, RegExp, Record<string, string>?][] = [
    ['publish', { path: 'deploy', sign: 'false' }, /^building artifact from deploy \(Flux /],
    ['push', { path: 'deploy' }, /^building artifact from deploy \(Flux /],
    ['tag', { ref: 'latest', tags: 'v1' }, /^tagging 127\.0\.0\.1:9\/org\/app:latest as v1$/],
    ['pull', { ref: 'latest', output: 'out' }, /^pulling artifact from 127\.0\.0\.1:9\/org\/app/],
    ['list', {}, /^listing the artifacts in 127\.0\.0\.1:9\/org\/app$/],
    ['diff', { path: 'deploy' }, /^comparing deploy with 127\.0\.0\.1:9\/org\/app:latest$/],
    [
      'verify',
      { ref: 'latest', 'match-oidc-identity': identity },
      /^verifying the signature of 127\.0\.0\.1:9\/org\/app:latest$/,
    ],
    [
      'sign',
      { ref: 'latest' },
      /^signing 127\.0\.0\.1:9\/org\/app:latest$/,
      // Keyless: the token request starts with the signer set-up, after the first line.
      {
        ACTIONS_ID_TOKEN_REQUEST_URL: 'http://127.0.0.1:9/token',
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: 't',
      },
    ],
  ];
  for (const [entry, inputs, first, env] of cases) {
    it(`${entry}: says what it does first, with neither undici, node:http(2), crypto, zlib nor child_process loaded`, async () => {
      rmSync(list, { force: true });
      const res = await runAction(entry, {
        workspace: ws,
        event: { ref: 'refs/heads/main', repository: { default_branch: 'main' } },
        inputs: { repository: REPO, ...inputs },
        env: { ...env, GITHUB_SHA: sha, NODE_OPTIONS: `--require ${preload}` },
      });
      assert.equal(res.exitCode, 0, res.stdout);
      assert.match(res.stdout.split('\n')[0] ?? '', first, res.stdout);
      const loaded = readFileSync(list, 'utf8').split('\n');
      assert.ok(loaded.includes('NativeModule fs'), 'the list is Node 24 moduleLoadList');
      // fs/promises (with readline, fs.Dir, the watchers) loads on first use too (@actions/core's
      // summary is patched in scripts/build.mjs); pull prepares its output directory first.
      const notYet =
        entry === 'pull' ? [] : ['NativeModule fs/promises', 'NativeModule internal/fs/promises'];
      for (const m of [...NOT_BEFORE_FIRST_LINE, ...notYet]) {
        assert.ok(!loaded.includes(m), `${entry} loaded ${m} before its first line`);
      }
    });
  }
});
