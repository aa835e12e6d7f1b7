// The level-6 WebAssembly search loop: the committed module is what its source builds to, and it
// makes the same bytes as the JavaScript loop it replaces (Go itself judges both in
// test/integration/deflate-go.test.ts and deflate-fuzz.test.ts, through the default, wasm, path).

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
// @ts-expect-error: plain JavaScript build script, no declarations
import { compileLevel6, OUTPUT, renderModule } from '../../scripts/build-wasm.mjs';
import { GoFastDeflateCompressor } from '../../src/artifact/deflate/compressor-fast.js';
import { FastEncL6 } from '../../src/artifact/deflate/fast-level6.js';
import { fuzzCase, mixed, randomBytes, rng, tarLike, yaml } from '../tools/gogzip/corpus.js';

function deflate(data: Uint8Array, wasm: boolean, r: () => number): Buffer {
  const c = new GoFastDeflateCompressor(false, wasm);
  const out: Uint8Array[] = [];
  for (let off = 0; off < data.length; ) {
    const n = 1 + Math.floor(r() * 200_000);
    c.write(data.subarray(off, off + n));
    out.push(c.take());
    off += n;
  }
  c.close();
  out.push(c.take());
  return Buffer.concat(out);
}

describe('level-6 WebAssembly module', () => {
  it('is up to date with wasm/level6/level6.ts (node scripts/build-wasm.mjs)', async () => {
    const built = renderModule(await compileLevel6()) as string;
    assert.ok(
      readFileSync(OUTPUT, 'utf8') === built,
      `${OUTPUT} is stale: run node scripts/build-wasm.mjs`,
    );
  });

  it('runs by default', () => {
    assert.equal(new FastEncL6().usesWasm, true);
    assert.equal(new FastEncL6(false).usesWasm, false);
  });

  it('makes the same bytes as the JavaScript loop', () => {
    const r = rng(70);
    const inputs: Uint8Array[] = [
      new Uint8Array(0),
      yaml(1_000_000, r),
      tarLike(1_000_000, r),
      randomBytes(200_000, r),
      mixed(1_000_000, r),
      new Uint8Array(400_000), // zeros: maximal matches across blocks
    ];
    for (let i = 0; i < 60; i++) inputs.push(fuzzCase(r));
    for (const [i, input] of inputs.entries()) {
      const seed = 1000 + i;
      const js = deflate(input, false, rng(seed));
      const wasm = deflate(input, true, rng(seed));
      assert.ok(js.equals(wasm), `input ${i} (${input.length} bytes): wasm and JS differ`);
    }
  });
});
