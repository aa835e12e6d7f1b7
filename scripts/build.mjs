// Bundles every entry point in src/entry/ into dist/ (ESM, shared chunks).
// Usage: node scripts/build.mjs [outdir]   (default: dist)
import { readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { build } from 'esbuild';

// @actions/http-client pins its own undici (6.x) only for ProxyAgent, whose options and behaviour
// are the same in the undici (7.x) we use: one copy instead of two saves ~420 KB parsed per start.
const ourUndici = createRequire(import.meta.url).resolve('undici');
const oneUndici = {
  name: 'one-undici',
  setup(b) {
    b.onResolve({ filter: /^undici$/ }, (args) =>
      args.importer.includes('@actions/http-client') ? { path: ourUndici } : undefined,
    );
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

export const ENTRY_DIR = 'src/entry';

export async function bundle(outdir) {
  const entries = readdirSync(ENTRY_DIR)
    .filter((f) => f.endsWith('.ts'))
    .sort()
    .map((f) => join(ENTRY_DIR, f));
  rmSync(outdir, { recursive: true, force: true });
  return build({
    entryPoints: entries,
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
    plugins: [oneUndici, fetchShim],
    // CommonJS dependencies (sigstore) call require(); give ESM chunks a real one.
    banner: {
      js: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);",
    },
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const out = process.argv[2] ?? 'dist';
  await bundle(out);
  console.log(`bundled ${ENTRY_DIR}/*.ts into ${out}/`);
}
