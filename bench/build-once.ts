// Builds one layer with our builder and prints its digest: the unit the benchmark times.
// Usage: node --import tsx bench/build-once.ts <path> <out.tgz>
import { copyFile } from 'node:fs/promises';
import { buildLayer } from '../src/artifact/index.js';

const [path, out] = process.argv.slice(2);
if (!path || !out) throw new Error('usage: build-once.ts <path> <out.tgz>');
const layer = await buildLayer({ path });
await copyFile(layer.file, out);
await layer.cleanup();
console.log(layer.digest);
