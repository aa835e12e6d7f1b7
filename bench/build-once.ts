// Builds one layer with our builder and prints its digest: the unit the benchmark times.
// Usage: node --import tsx bench/build-once.ts <path> <out.tgz> [flux-version (default 2.10)]
import { copyFile } from 'node:fs/promises';
import { buildLayer, fluxFormat, parseFluxLine } from '../src/artifact/index.js';

const [path, out, line = '2.10'] = process.argv.slice(2);
if (!path || !out) throw new Error('usage: build-once.ts <path> <out.tgz> [flux-version]');
const layer = await buildLayer({ path, gzip: fluxFormat(parseFluxLine(line)).gzip });
await copyFile(layer.file, out);
await layer.cleanup();
console.log(layer.digest);
