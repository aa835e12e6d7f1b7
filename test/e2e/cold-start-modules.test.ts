// Issue 10 (cold start): which of Node's own modules dist/publish.js and dist/push.js have loaded
// when they print their first line, under Node 24 as on the runner. Node's internal undici (~40 ms,
// pulled in by an ESM import of node:http or by reading globalThis.Headers) and node:http2
// (~10–15 ms) are not needed at that point; scripts/build.mjs keeps them out (lazyHttp,
// UNDICI_PATCHES); nor is undici's core, which loads on the first request (src/oci/http.ts).
// Structural, not timed: the list of loaded modules is read at the first write.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runAction } from '../harness/action.js';

describe('cold start: Node modules loaded before the first line', () => {
  let dir = '';
  let ws = '';
  let preload = '';
  let list = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'cold-modules-'));
    ws = join(dir, 'ws');
    mkdirSync(join(ws, 'deploy'), { recursive: true });
    writeFileSync(join(ws, 'deploy', 'app.yaml'), 'kind: ConfigMap\n');
    list = join(dir, 'modules.txt');
    preload = join(dir, 'first-line.cjs');
    // At the first stdout write: record what is loaded, then stop (nothing reaches a registry).
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

  for (const entry of ['publish', 'push']) {
    it(`${entry}: neither Node's internal undici nor node:http2`, async () => {
      rmSync(list, { force: true });
      const res = await runAction(entry, {
        workspace: ws,
        inputs: { repository: '127.0.0.1:9/org/app', path: 'deploy', sign: 'false' },
        env: { NODE_OPTIONS: `--require ${preload}` },
      });
      assert.equal(res.exitCode, 0, res.stdout);
      assert.ok(res.stdout.length > 0 && !res.stdout.startsWith('::error'), res.stdout);
      const loaded = readFileSync(list, 'utf8').split('\n');
      assert.ok(loaded.includes('NativeModule fs'), 'the list is Node 24 moduleLoadList');
      // node:http is loaded by undici's core, which the registry transport loads on its first
      // request (src/oci/http.ts): nothing before the first line needs it.
      for (const m of [
        'NativeModule internal/deps/undici/undici',
        'NativeModule http2',
        'NativeModule http',
      ]) {
        assert.ok(!loaded.includes(m), `${entry} loaded ${m} before its first line`);
      }
    });
  }
});
