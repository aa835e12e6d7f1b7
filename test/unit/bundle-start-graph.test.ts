// Issue 10 (cold start): what each bundled entry point loads before its first line, checked on
// the bundle's structure rather than timed. The modules below are loaded with import() on the
// path that needs them; a static import of one of them anywhere on an entry's start graph puts
// its parse and evaluation back on every start (docs/benchmarks.md, "Cold start").
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
// @ts-expect-error: the build script is plain JavaScript without declarations
import { bundle, ENTRY_DIR, importedNames, requireBuiltins } from '../../scripts/build.mjs';

type Meta = {
  outputs: Record<
    string,
    {
      entryPoint?: string;
      imports: { path: string; kind: string; external?: boolean }[];
      inputs: Record<string, { bytesInOutput: number }>;
    }
  >;
};

/** Loaded on demand only: signing, verifying, TUF, GitHub's API, YAML, RE2, the OIDC client. */
const LAZY: [string, RegExp][] = [
  ['sigstore-js', /node_modules\/@sigstore\//],
  ['TUF', /node_modules\/(tuf-js|@tufjs)\//],
  ['Octokit / @actions/github', /node_modules\/(@octokit|@actions\/github)\//],
  ['@actions/http-client (OIDC)', /node_modules\/@actions\/http-client\//],
  // core.platform's getDetails() (lazyPlatform), docker credential helpers and `created` from git
  // load @actions/exec (and @actions/io, which reads fs.promises at once) when they run.
  ['@actions/exec / @actions/io', /node_modules\/@actions\/(exec|io)\//],
  ['yaml', /node_modules\/yaml\//],
  ['re2js', /node_modules\/re2js\//],
  ['@noble/ciphers', /node_modules\/@noble\//],
  // The registry transport loads undici's core on its first request (src/oci/http.ts): every
  // entry point prints its first line before any request, or could.
  ['undici', /node_modules\/undici\//],
  ['a second undici', /node_modules\/.+\/node_modules\/undici\//],
  // Go's deflate (its tables, the wasm search loop) loads with the first layer build
  // (src/artifact/build.ts), after the first line (issue 10).
  [
    'the layer encoder (Go deflate)',
    /src\/artifact\/(deflate\/|layer-sink|layer-encoder|gzip\.ts)/,
  ],
];

describe('bundled entry points: the start graph', () => {
  let dir = '';
  let meta: Meta;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'start-graph-'));
    meta = (await bundle(dir)).metafile as Meta;
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** Output files an entry loads before running (static imports, transitively). */
  function startFiles(entry: string): string[] {
    const name = Object.keys(meta.outputs).find(
      (o) => meta.outputs[o]?.entryPoint === `${ENTRY_DIR}/${entry}.ts`,
    );
    assert.ok(name, `no output for ${entry}`);
    const seen = new Set<string>();
    const todo = [name];
    while (todo.length > 0) {
      const o = todo.pop() as string;
      if (seen.has(o)) continue;
      seen.add(o);
      for (const i of meta.outputs[o]?.imports ?? []) {
        if (i.kind === 'import-statement' && !i.external) todo.push(i.path);
      }
    }
    return [...seen];
  }

  const entries = ['cleanup', 'diff', 'list', 'publish', 'pull', 'push', 'sign', 'tag', 'verify'];
  for (const entry of entries) {
    it(`${entry}: no lazily loaded module is on the start graph`, () => {
      const files = startFiles(entry);
      const inputs = files.flatMap((f) => Object.keys(meta.outputs[f]?.inputs ?? {}));
      for (const [what, re] of LAZY) {
        const hit = inputs.find((i) => re.test(i));
        assert.equal(hit, undefined, `${entry} loads ${what} at start (${hit})`);
      }
      // Modules that stay lazy must still be in the bundle, behind import().
      const all = Object.values(meta.outputs).flatMap((o) => Object.keys(o.inputs));
      assert.ok(all.some((i) => /node_modules\/@sigstore\/verify\//.test(i)));
      // Node's http/https through require(): an ESM import builds a facade that loads Node's
      // internal undici (see lazyHttp in scripts/build.mjs).
      for (const f of files) {
        const text = readFileSync(f, 'utf8');
        assert.doesNotMatch(text, /from\s*"(node:)?https?"/, `${f} imports node:http as ESM`);
      }
    });
  }

  it('no output imports a Node builtin as ESM; crypto, zlib and child_process load on first use', () => {
    for (const file of Object.keys(meta.outputs)) {
      if (!file.endsWith('.js')) continue;
      // requireBuiltins in scripts/build.mjs: an ESM import builds the builtin's facade, which
      // reads every export (fs's and util's getters load fs/promises, readline, worker_threads…).
      const text = readFileSync(file, 'utf8');
      const esm = /(?:^|[;}\n])import\s*[^"'();]*?from\s*"((?:node:)?[a-z_/]+)"/g;
      for (const m of text.matchAll(esm)) {
        assert.ok(
          !builtinModules.includes((m[1] ?? '').replace(/^node:/, '')),
          `${file} imports ${m[1]}`,
        );
      }
    }
    for (const entry of entries) {
      for (const f of startFiles(entry)) {
        for (const i of meta.outputs[f]?.imports ?? []) {
          assert.ok(
            !(
              i.kind === 'import-statement' && /^(node:)?(crypto|zlib|child_process)$/.test(i.path)
            ),
            `${entry} loads ${i.path} at start (${f}); see lazyBuiltins in scripts/build.mjs`,
          );
        }
      }
      const shims = startFiles(entry).flatMap((f) =>
        Object.keys(meta.outputs[f]?.inputs ?? {}).filter((i) => i.startsWith('lazy-builtin:')),
      );
      assert.ok(
        shims.some((i) => i.startsWith('lazy-builtin:crypto:')),
        `${entry}: no lazy crypto`,
      );
    }
  });

  it('publish and push, built on their own, load at most 12 files at start', () => {
    // OWN_BUILD in scripts/build.mjs: in the shared build their start graph was 20–23 chunks.
    for (const entry of ['publish', 'push']) {
      const files = startFiles(entry);
      assert.ok(files.length <= 12, `${entry} loads ${files.length} files at start`);
    }
  });

  it('the registry transport gets undici core on its first request, @actions/core its OIDC client on demand', () => {
    const inputs = startFiles('publish').flatMap((f) => Object.keys(meta.outputs[f]?.inputs ?? {}));
    // The runner's OIDC token is asked by src/github/signing.ts itself now; if @actions/core's
    // client comes back into the bundle, it must stay behind the shim.
    const real = Object.keys(meta.outputs).find((o) =>
      meta.outputs[o]?.entryPoint?.endsWith('@actions/core/lib/oidc-utils.js'),
    );
    const used = Object.values(meta.outputs).some((o) => o.imports.some((i) => i.path === real));
    assert.ok(inputs.includes('lazy-oidc:oidc-utils') || !used, '@actions/core OIDC shim');
    assert.ok(!inputs.includes('undici-core:undici-core'), 'transport undici core at start');
    // Behind import(): the chunk with the transport's undici core (and its proxy agent), not the
    // index that loads fetch, WebSocket and the caches.
    const dynamic = new Set<string>();
    for (const f of startFiles('publish'))
      for (const i of meta.outputs[f]?.imports ?? [])
        if (i.kind === 'dynamic-import') dynamic.add(i.path);
    const core = [...dynamic].find(
      (o) => 'undici-core:undici-core' in (meta.outputs[o]?.inputs ?? {}),
    );
    assert.ok(core, 'the transport imports undici core with import()');
    const onDemand = new Set<string>([core]);
    const todo = [core];
    while (todo.length > 0) {
      for (const i of meta.outputs[todo.pop() as string]?.imports ?? [])
        if (i.kind === 'import-statement' && !i.external && !onDemand.has(i.path)) {
          onDemand.add(i.path);
          todo.push(i.path);
        }
    }
    const loaded = [...onDemand].flatMap((f) => Object.keys(meta.outputs[f]?.inputs ?? {}));
    assert.ok(loaded.some((i) => i.endsWith('undici/lib/dispatcher/env-http-proxy-agent.js')));
    assert.ok(!loaded.some((i) => /node_modules\/undici\/index\.js$/.test(i)), 'undici index');
  });
});

describe('scripts/build.mjs: builtins through require(), crypto and co. on first use', () => {
  const head =
    "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);\n";
  it('rewrites every form of builtin import esbuild writes, at the top, and nothing else', () => {
    const body =
      'import{a as b}from"./chunk-X.js";var q=1;import e,{EOL as f}from"os";import*as g from"node:fs";' +
      'function h(){return g.readFileSync}import{join as i,dirname}from"node:path";const s="import{x}from\\"fs\\"";';
    const out = requireBuiltins(head + body, 3, 'chunk.js');
    assert.equal(
      out,
      `${head}var e=require("node:os");var{EOL:f}=require("node:os");var g=require("node:fs");var{join:i,dirname}=require("node:path");` +
        'import{a as b}from"./chunk-X.js";var q=1;function h(){return g.readFileSync}const s="import{x}from\\"fs\\"";',
    );
    // A count that differs from esbuild's metafile fails the build rather than loading a facade.
    assert.throws(
      () => requireBuiltins(head + body, 4, 'chunk.js'),
      /rewrote 3 builtin imports, esbuild reports 4/,
    );
  });

  it('lists the names a file imports, or none when it uses the module as a whole', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lazy-names-'));
    try {
      const file = (name: string, text: string) => {
        writeFileSync(join(dir, name), text);
        return join(dir, name);
      };
      const named = file(
        'a.ts',
        "import { createHash, type Hash, randomBytes as rb } from 'node:crypto';\nimport type { KeyObject } from 'node:crypto';\n",
      );
      assert.deepEqual(importedNames(named, 'crypto'), ['createHash', 'randomBytes']);
      const ns = file(
        'b.js',
        "import * as crypto from 'crypto';\nexport const id = () => crypto.randomUUID();\n",
      );
      assert.deepEqual(importedNames(ns, 'crypto'), ['randomUUID']);
      // The namespace passed on as a value: its names cannot be listed, so it loads at once.
      const whole = file('c.js', "import * as zlib from 'node:zlib';\nexport const z = zlib;\n");
      assert.equal(importedNames(whole, 'zlib'), undefined);
      const reexport = file('d.ts', "export { spawn } from 'node:child_process';\n");
      assert.equal(importedNames(reexport, 'child_process'), undefined);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
