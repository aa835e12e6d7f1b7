// Bundles every entry point in src/entry/ into dist/ (ESM, shared chunks).
// Usage: node scripts/build.mjs [outdir]   (default: dist)
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { builtinModules, createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

// @actions/http-client and @actions/github pin their own undici (6.x) only for ProxyAgent and
// fetch, whose options and behaviour are the same in the undici (7.x) we use: one copy instead of
// two saves ~420 KB parsed per start, and ~40 ms of evaluating it where @actions/github loads.
const ourUndici = createRequire(import.meta.url).resolve('undici');
const oneUndici = {
  name: 'one-undici',
  setup(b) {
    b.onResolve({ filter: /^undici$/ }, (args) =>
      args.importer.includes('node_modules') ? { path: ourUndici } : undefined,
    );
  },
};
// An ESM `import * as http from 'http'` (@actions/http-client, loaded by @actions/core) makes Node
// build the module's ESM facade, which reads every export, and node:http's lazy WebSocket,
// EventSource… getters load Node's internal undici: ~40–50 ms per start for nothing. Through
// require() (a CommonJS shim; esbuild's namespace copy reads exports only when used) they stay lazy.
// Imports whose names lazyBuiltins can list (src/oci/http.ts's) get its getters instead.
const lazyHttp = {
  name: 'lazy-node-http',
  setup(b) {
    b.onResolve({ filter: /^(node:)?https?$/ }, (args) =>
      args.kind === 'import-statement'
        ? { path: args.path.replace(/^node:/, ''), namespace: 'required-builtin' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'required-builtin' }, (args) => ({
      contents: `module.exports = require('node:${args.path}');`,
      loader: 'js',
    }));
  },
};
// Lines (of undici, of @actions/core) that cost every start without use here, rewritten to do the same work on
// first use. The build fails when a line is no longer there (an undici update), so a change is
// seen rather than silently loaded again.
// - The cookie helpers (which we never call) read `globalThis.Headers`; that lazy global loads
//   Node's internal copy of undici (~40 ms per start).
// - The HTTP/2 client loads node:http2 (~10–15 ms); registries are spoken to over HTTP/1.1
//   (undici's allowH2 is off), so it is required on the first HTTP/2 connection instead.
const UNDICI_PATCHES = [
  {
    file: /[\\/]undici[\\/]lib[\\/]web[\\/]cookies[\\/]index\.js$/,
    from: 'const brandChecks = webidl.brandCheckMultiple([Headers, globalThis.Headers].filter(Boolean))',
    to: 'let cookieCheck; const brandChecks = (h) => (cookieCheck ??= webidl.brandCheckMultiple([Headers, globalThis.Headers].filter(Boolean)))(h)',
  },
  {
    file: /[\\/]undici[\\/]lib[\\/]dispatcher[\\/]client\.js$/,
    from: "const connectH2 = require('./client-h2.js')",
    to: "const connectH2 = (client, socket) => require('./client-h2.js')(client, socket)",
  },
  // @actions/core's summary reads fs.promises when it loads, which loads fs/promises, readline,
  // fs.Dir and the watchers (~1–2 ms per start); only writing a summary needs them.
  {
    file: /[\\/]@actions[\\/]core[\\/]lib[\\/]summary\.js$/,
    from: "import { constants, promises } from 'fs';\nconst { access, appendFile, writeFile } = promises;",
    to: "import * as fs from 'fs';\nconst { constants } = fs;\nconst access = (...a) => fs.promises.access(...a);\nconst appendFile = (...a) => fs.promises.appendFile(...a);\nconst writeFile = (...a) => fs.promises.writeFile(...a);",
  },
];
const undiciOnFirstUse = {
  name: 'undici-on-first-use',
  setup(b) {
    for (const { file, from, to } of UNDICI_PATCHES) {
      b.onLoad({ filter: file }, async (args) => {
        const text = await readFile(args.path, 'utf8');
        if (text.split(from).length !== 2)
          throw new Error(
            `${args.path}: "${from}" is gone; update UNDICI_PATCHES in scripts/build.mjs`,
          );
        return { contents: text.replace(from, to), loader: 'js' };
      });
    }
  },
};
// @actions/core loads its OIDC client (@actions/http-client, tunnel, all of undici) when it loads,
// for getIDToken() only, which keyless signing alone calls: that client loads on the first call
// instead. The build fails if @actions/core stops importing it this way.
const realOidc = join(
  dirname(fileURLToPath(import.meta.resolve('@actions/core'))),
  'oidc-utils.js',
);
const lazyOidc = {
  name: 'actions-core-lazy-oidc',
  setup(b) {
    b.onResolve({ filter: /^\.\/oidc-utils\.js$/ }, (args) =>
      /[\\/]@actions[\\/]core[\\/]lib[\\/]core\.js$/.test(args.importer)
        ? { path: 'oidc-utils', namespace: 'lazy-oidc' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'lazy-oidc' }, () => ({
      contents: `export class OidcClient {
  static async getIDToken(audience) {
    const real = await import(${JSON.stringify(realOidc)});
    return real.OidcClient.getIDToken(audience);
  }
}`,
      loader: 'js',
      resolveDir: dirname(realOidc),
    }));
    b.onEnd(async () => {
      const core = await readFile(join(dirname(realOidc), 'core.js'), 'utf8');
      const uses = core.match(/OidcClient\.\w+/g) ?? [];
      if (
        !uses.includes('OidcClient.getIDToken') ||
        uses.some((u) => u !== 'OidcClient.getIDToken')
      ) {
        throw new Error(
          '@actions/core uses its OidcClient differently now; update lazyOidc in scripts/build.mjs',
        );
      }
    });
  },
};
// @actions/core re-exports its platform details (`core.platform`), whose getDetails() runs
// lsb_release through @actions/exec and @actions/io: both load when @actions/core loads, and
// @actions/io reads fs.promises at once (fs/promises, readline, streams). Nothing here calls
// getDetails(); the stand-in keeps the same exports (os.platform(), os.arch() as computed there)
// and loads the real module on the first getDetails() call. The build fails when platform.js
// exports anything else.
const realPlatform = join(dirname(realOidc), 'platform.js');
const PLATFORM_EXPORTS = ['arch', 'getDetails', 'isLinux', 'isMacOS', 'isWindows', 'platform'];
const lazyPlatform = {
  name: 'actions-core-lazy-platform',
  setup(b) {
    b.onResolve({ filter: /^\.\/platform\.js$/ }, (args) =>
      /[\\/]@actions[\\/]core[\\/]lib[\\/]core\.js$/.test(args.importer)
        ? { path: 'platform', namespace: 'lazy-platform' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'lazy-platform' }, async () => {
      const real = await readFile(realPlatform, 'utf8');
      const names = [...real.matchAll(/^export (?:const|function) (\w+)/gm)]
        .map((m) => m[1])
        .sort();
      if (names.join() !== PLATFORM_EXPORTS.join()) {
        throw new Error(
          '@actions/core platform.js exports other names now; update lazyPlatform in scripts/build.mjs',
        );
      }
      return {
        contents: `import os from 'node:os';
export const platform = os.platform();
export const arch = os.arch();
export const isWindows = platform === 'win32';
export const isMacOS = platform === 'darwin';
export const isLinux = platform === 'linux';
export async function getDetails() {
  return (await import(${JSON.stringify(realPlatform)})).getDetails();
}`,
        loader: 'js',
        resolveDir: dirname(realPlatform),
      };
    });
  },
};
// The registry transport (src/oci/http.ts, its one undici import) needs undici's request() and EnvHttpProxyAgent, not
// fetch, WebSocket, EventSource, the caches or the mocks that undici's index.js loads with them
// (~40% of undici's start cost). It gets them from undici's own modules; `request` is the
// dispatcher-bound request of undici's index.js (makeDispatcher) for the case the transport
// uses: a URL and options that name the dispatcher and the method. Everything else (signing,
// Octokit, @actions/http-client) still gets the whole undici, whose modules are the same ones.
const undiciDir = dirname(ourUndici);
const coreUndici = {
  name: 'undici-core-for-transport',
  setup(b) {
    b.onResolve({ filter: /^undici$/ }, (args) =>
      /[\\/]src[\\/]oci[\\/]http\.ts$/.test(args.importer)
        ? { path: 'undici-core', namespace: 'undici-core' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'undici-core' }, () => ({
      contents: `'use strict';
const api = require('./lib/api/index.js');
const { parseURL } = require('./lib/core/util.js');
// What undici's index.js does for every dispatcher: ProxyAgent tunnels with client.connect(),
// which exists only once the API is on Dispatcher.prototype (without it a proxied request fails
// with "this[kClient].connect is not a function").
Object.assign(require('./lib/dispatcher/dispatcher.js').prototype, api);
exports.EnvHttpProxyAgent = require('./lib/dispatcher/env-http-proxy-agent.js');
exports.request = (url, opts) => {
  if (!opts || !opts.dispatcher || !opts.method || opts.path != null || opts.agent) {
    throw new Error('undici request() for the transport needs a URL, a dispatcher and a method');
  }
  const u = parseURL(url);
  return api.request.call(opts.dispatcher, {
    ...opts,
    origin: u.origin,
    path: u.search ? u.pathname + u.search : u.pathname,
  });
};`,
      loader: 'js',
      resolveDir: undiciDir,
    }));
  },
};
// @sigstore/sign's make-fetch-happen (HTTP cache, proxy agents, glob: ~380 KB) → Node's fetch;
// see src/signing/fetch-shim.ts for what sigstore-js needs of it.
const fetchShim = {
  name: 'sigstore-fetch-shim',
  setup(b) {
    b.onResolve({ filter: /^make-fetch-happen$/ }, (args) =>
      args.importer.includes('@sigstore/sign')
        ? { path: join(process.cwd(), 'src/signing/fetch-shim.ts') }
        : undefined,
    );
  },
};

// @sigstore/sign's fetch helper (external/fetch.js) requires node:http2 for six constants (header
// names, status codes); loading node:http2 costs ~10–15 ms per signing run. It gets just those
// (values as Node defines them); the build fails if the helper starts using other parts of it.
const SIGSTORE_HTTP2_CONSTANTS = {
  HTTP2_HEADER_LOCATION: 'location',
  HTTP2_HEADER_CONTENT_TYPE: 'content-type',
  HTTP2_HEADER_USER_AGENT: 'user-agent',
  HTTP_STATUS_INTERNAL_SERVER_ERROR: 500,
  HTTP_STATUS_TOO_MANY_REQUESTS: 429,
  HTTP_STATUS_REQUEST_TIMEOUT: 408,
};
const sigstoreHttp2 = {
  name: 'sigstore-http2-constants',
  setup(b) {
    b.onResolve({ filter: /^(node:)?http2$/ }, (args) =>
      /[\\/]@sigstore[\\/]sign[\\/]dist[\\/]external[\\/]fetch\.js$/.test(args.importer)
        ? { path: 'http2-constants', namespace: 'sigstore-http2' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'sigstore-http2' }, () => ({
      contents: `exports.constants = ${JSON.stringify(SIGSTORE_HTTP2_CONSTANTS)};`,
      loader: 'js',
    }));
    b.onEnd(async () => {
      const file = createRequire(import.meta.url).resolve('@sigstore/sign/dist/external/fetch.js');
      const text = await readFile(file, 'utf8');
      const uses = [...text.matchAll(/http2_1\.(\w+)/g)].map((m) => m[1]);
      const names = /const \{([^}]*)\} = http2_1\.constants/.exec(text)?.[1] ?? '';
      const known = names
        .split(',')
        .map((n) => n.trim())
        .filter(Boolean)
        .every((n) => n in SIGSTORE_HTTP2_CONSTANTS);
      if (uses.length !== 1 || uses[0] !== 'constants' || !names || !known) {
        throw new Error(
          '@sigstore/sign uses node:http2 differently now; update sigstoreHttp2 in scripts/build.mjs',
        );
      }
    });
  },
};

// Node's crypto (~20 internal modules), zlib and child_process (with net and dgram) cost ~8 ms of
// every start, and no entry point needs them before its first line: digests, gzip and git come
// after it (http and https: the first request; https with TLS only for an https URL). An import of one of them gets a CommonJS stand-in whose exports are getters that
// require() the module on first use (esbuild turns `import { createHash }` into a property
// read at each use, so nothing else changes). The names come from the importing file's own
// import statement; a namespace or default import gets the `ns.name` properties it reads, or the
// module at once if it uses the namespace otherwise. The build fails on a name Node does not have.
const LAZY_BUILTINS = [
  'crypto',
  'zlib',
  'child_process',
  'fs/promises',
  'stream/promises',
  'http',
  'https',
];
const lazyNames = new Map();
/** The names `importer` imports from builtin `mod`, or undefined when they cannot be listed. */
export function importedNames(importer, mod) {
  if (!existsSync(importer)) return undefined;
  const text = readFileSync(importer, 'utf8');
  const spec = `['"](?:node:)?${mod}['"]`;
  const names = new Set();
  let found = false;
  for (const m of text.matchAll(
    new RegExp(`(?:^|[;\\n])\\s*(import|export)\\s+([^'";]*?)\\s*from\\s*${spec}`, 'g'),
  )) {
    const [, kind, clause] = m;
    if (kind === 'export') return undefined;
    if (/^type\s/.test(clause)) continue;
    found = true;
    const named = /\{([^}]*)\}/.exec(clause);
    for (const part of named?.[1].split(',') ?? []) {
      const n = part.trim();
      if (n && !n.startsWith('type ')) names.add(n.split(/\s+as\s+/)[0].trim());
    }
    const bare = clause
      .replace(/\{[^}]*\}/, '')
      .replace(/,/g, ' ')
      .trim();
    if (!bare) continue;
    const local = /^(?:\*\s*as\s+)?([\w$]+)$/.exec(bare)?.[1];
    if (!local) return undefined;
    // Every other use of the local name must be a property read `local.name`.
    const rest = text.replace(m[0], '');
    const uses = [
      ...rest.matchAll(
        new RegExp(`(?<![\\w$.])${local.replace('$', '\\$')}(?![\\w$])(\\.[\\w$]+)?`, 'g'),
      ),
    ];
    if (uses.some((u) => !u[1])) return undefined;
    for (const u of uses) names.add(u[1].slice(1));
  }
  return found && names.size > 0 ? [...names].sort() : undefined;
}
const lazyBuiltins = {
  name: 'lazy-builtins',
  setup(b) {
    const filter = new RegExp(`^(node:)?(${LAZY_BUILTINS.join('|')})$`);
    b.onResolve({ filter }, (args) => {
      if (args.kind !== 'import-statement') return undefined;
      const mod = args.path.replace(/^node:/, '');
      const names = importedNames(args.importer, mod);
      if (!names) return undefined;
      const key = `${mod}:${names.join(',')}`;
      lazyNames.set(key, { mod, names });
      return { path: key, namespace: 'lazy-builtin' };
    });
    b.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, (args) => {
      const { mod, names } = lazyNames.get(args.path);
      const real = createRequire(import.meta.url)(`node:${mod}`);
      const missing = names.filter((n) => !(n in real));
      if (missing.length > 0)
        throw new Error(
          `node:${mod} has no ${missing.join(', ')} (lazy-builtins in scripts/build.mjs)`,
        );
      return {
        contents: `let m;
const load = () => (m ??= require('node:${mod}'));
for (const n of ${JSON.stringify(names)}) Object.defineProperty(exports, n, { enumerable: true, get: () => load()[n] });`,
        loader: 'js',
      };
    });
  },
};

// An ESM import of a Node builtin builds the module's ESM facade, which reads every export once:
// fs's and util's lazy getters then load fs/promises, streams, readline, worker_threads… (~5 ms
// per start for nothing). After the build, every such import in the output becomes a require()
// at the top of its file (imports are hoisted, so the order of evaluation is the same); the
// number rewritten per file must equal the builtin imports esbuild reports for it.
const BUILTINS = new Set(builtinModules);
const IMPORT_RE =
  /(?<=^|[;}\n])import\s*(?:([\w$]+)\s*,?\s*)?(?:\{([^}]*)\}|\*\s*as\s+([\w$]+))?\s*from\s*"([^"]+)";?/g;
export function requireBuiltins(text, expected, file) {
  const nl = text.indexOf('\n');
  const head = text.slice(0, nl + 1);
  let top = '';
  let n = 0;
  const body = text.slice(nl + 1).replace(IMPORT_RE, (all, def, named, ns, spec) => {
    if (!BUILTINS.has(spec.replace(/^node:/, ''))) return all;
    n++;
    const req = `require(${JSON.stringify(spec.startsWith('node:') ? spec : `node:${spec}`)})`;
    if (def) top += `var ${def}=${req};`;
    if (ns) top += `var ${ns}=${req};`;
    if (named !== undefined) top += `var{${named.replace(/\s+as\s+/g, ':')}}=${req};`;
    return '';
  });
  if (n !== expected) {
    throw new Error(
      `${file}: rewrote ${n} builtin imports, esbuild reports ${expected} (scripts/build.mjs)`,
    );
  }
  return head + top + body;
}

export const ENTRY_DIR = 'src/entry';

// publish and push are built on their own (issue 10: publish's first line came 110–125 ms after
// the spawn, against a target of 100 ms). In one build with every entry point, esbuild cuts their
// start graph into ~23 chunks, one per set of entry points and import() targets that reach a
// module, and Node 24's ESM loader costs ~0.3–0.7 ms per file (resolve, stat, read, compile,
// link); built with only each other, the two load 10–11 files (publish idle: 105 → 92 ms to the
// first line). Their code is then in dist twice (~1.5 MB more); the other entry points, whose
// first lines were at or under the target already, stay in the shared build. Both builds write
// into one dist/chunks/ (content-hashed names; a name written twice must have the same bytes),
// and the layer encoder thread (dist/layer-worker.js) comes from the shared build only: a thread
// loads its own module instances anyway.
const OWN_BUILD = ['publish', 'push'];

// The bundle needs our package.json's version only (src/oci/version.ts: the User-Agent). Bundled
// whole, its scripts and dependencies were parsed at every start, and every edit of them made
// dist/ stale.
const OWN_PACKAGE_JSON = fileURLToPath(new URL('../package.json', import.meta.url));
const versionOnly = {
  name: 'package-version-only',
  setup(b) {
    b.onLoad({ filter: /[\\/]package\.json$/ }, async (args) => {
      if (args.path !== OWN_PACKAGE_JSON) return undefined;
      const { version } = JSON.parse(await readFile(args.path, 'utf8'));
      return { contents: JSON.stringify({ version }), loader: 'json' };
    });
  },
};

/** `overrides`: extra esbuild options (e.g. `{ minify: false }` to read a CPU profile). */
export async function bundle(outdir, overrides = {}) {
  const entries = readdirSync(ENTRY_DIR)
    .filter((f) => f.endsWith('.ts'))
    .sort()
    .map((f) => join(ENTRY_DIR, f));
  const own = entries.filter((e) => OWN_BUILD.some((n) => e.endsWith(`/${n}.ts`)));
  const shared = entries.filter((e) => !own.includes(e));
  rmSync(outdir, { recursive: true, force: true });
  // + the layer encoder thread (dist/layer-worker.js; src/artifact/layer-sink.ts finds it).
  const results = [];
  for (const entryPoints of [[...shared, 'src/artifact/layer-worker.ts'], own]) {
    results.push(await buildOnce(outdir, entryPoints, overrides));
  }
  const written = new Map();
  for (const result of results) {
    for (const f of result.outputFiles) {
      const before = written.get(f.path);
      if (before !== undefined) {
        if (before !== f.hash) throw new Error(`${f.path}: both builds wrote it, with other bytes`);
        continue;
      }
      written.set(f.path, f.hash);
      mkdirSync(dirname(f.path), { recursive: true });
      const meta = result.metafile.outputs[relative(process.cwd(), f.path)];
      if (!f.path.endsWith('.js')) {
        writeFileSync(f.path, f.contents);
        continue;
      }
      if (!meta) throw new Error(`${f.path}: not in esbuild's metafile`);
      const builtin = meta.imports.filter(
        (i) =>
          i.kind === 'import-statement' && i.external && BUILTINS.has(i.path.replace(/^node:/, '')),
      ).length;
      writeFileSync(f.path, requireBuiltins(f.text, builtin, f.path));
    }
  }
  const metafile = {
    inputs: Object.assign({}, ...results.map((r) => r.metafile.inputs)),
    outputs: Object.assign({}, ...results.map((r) => r.metafile.outputs)),
  };
  return {
    metafile,
    errors: results.flatMap((r) => r.errors),
    warnings: results.flatMap((r) => r.warnings),
  };
}

function buildOnce(outdir, entryPoints, overrides) {
  return build({
    entryPoints,
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node24',
    entryNames: '[name]',
    chunkNames: 'chunks/[name]-[hash]',
    minify: true,
    keepNames: false,
    legalComments: 'linked',
    metafile: true,
    // minipass-fetch (under @sigstore/sign) loads iconv-lite inside try/catch, only for
    // textConverted(), which nothing here calls; leaving it out saves ~480 KB of parsing per start.
    external: ['iconv-lite'],
    logLevel: 'warning',
    plugins: [
      versionOnly,
      coreUndici,
      oneUndici,
      // Before lazyHttp: an import whose names can be listed gets getters (first use loads it).
      lazyBuiltins,
      lazyHttp,
      undiciOnFirstUse,
      lazyOidc,
      lazyPlatform,
      fetchShim,
      sigstoreHttp2,
    ],
    // CommonJS dependencies (sigstore) call require(); give ESM chunks a real one.
    banner: {
      js: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);",
    },
    ...overrides,
    write: false,
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const out = process.argv[2] ?? 'dist';
  await bundle(out);
  console.log(`bundled ${ENTRY_DIR}/*.ts into ${out}/`);
}
