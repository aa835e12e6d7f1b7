// Seeded differential fuzzing of our gzip encoders against Go's compress/gzip, for both Go lines
// (Go 1.26's classic compress/flate and Go 1.27's fast encoder).
// DEFLATE_FUZZ_CASES (default 400) sets the number of inputs and DEFLATE_FUZZ_SEED the seed
// (default: random, printed so a failure can be replayed).

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { type GoDeflate, GoGzipWriter, gzipSync } from '../../src/artifact/deflate/index.js';
import { fuzzCase, rng } from '../tools/gogzip/corpus.js';
import { buildGoGzip, firstDiff, type GoGzip, goGzipMany } from '../tools/gogzip/gogzip.js';

const CASES = Number(process.env.DEFLATE_FUZZ_CASES ?? 400);
const SEED = Number(process.env.DEFLATE_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
/** Inputs per Go process, so memory stays bounded on long runs. */
const BATCH = 100;

/** Our gzip of `data`, written in random-sized pieces (output must not depend on them). */
function oursSplit(line: GoDeflate, data: Uint8Array, r: () => number): Buffer {
  const gz = new GoGzipWriter(line);
  const out: Uint8Array[] = [];
  const max = r() < 0.5 ? 64 : 100_000;
  for (let off = 0; off < data.length; ) {
    const n = 1 + Math.floor(r() * max);
    gz.write(data.subarray(off, off + n));
    out.push(...gz.take());
    off += n;
  }
  gz.close();
  out.push(...gz.take());
  return Buffer.concat(out);
}

for (const line of ['go1.26', 'go1.27'] as const) {
  describe(`deflate fuzz against ${line}`, () => {
    let go: GoGzip;
    before(() => {
      go = buildGoGzip(line);
    });
    after(() => go?.cleanup());

    it(`differential fuzz vs ${line}: ${CASES} cases, seed ${SEED}`, () => {
      console.log(`deflate fuzz (${line}): DEFLATE_FUZZ_SEED=${SEED} DEFLATE_FUZZ_CASES=${CASES}`);
      assert.ok(
        Number.isInteger(CASES) && CASES > 0,
        `DEFLATE_FUZZ_CASES must be > 0, got ${CASES}`,
      );
      const r = rng(SEED);
      let compared = 0;
      let bytes = 0;
      for (let start = 0; start < CASES; start += BATCH) {
        const inputs: Buffer[] = [];
        for (let i = start; i < Math.min(CASES, start + BATCH); i++) inputs.push(fuzzCase(r));
        const theirs = goGzipMany(go.bin, inputs);
        assert.equal(theirs.length, inputs.length, 'Go answered for every input');
        inputs.forEach((input, k) => {
          const label = `case ${start + k} (seed ${SEED}, ${input.length} bytes)`;
          const ours = (start + k) % 2 === 0 ? gzipSync(input, line) : oursSplit(line, input, r);
          const at = firstDiff(ours, theirs[k]!);
          assert.equal(at, -1, `${label}: first differing byte at offset ${at}`);
          assert.ok(gunzipSync(ours).equals(input), `${label}: zlib round trip failed`);
          bytes += input.length;
          compared++;
        });
      }
      // Every case was compared, and the corpus is not trivially small.
      assert.equal(compared, CASES);
      assert.ok(bytes > CASES, `only ${bytes} bytes over ${CASES} cases`);
    });
  });
}
