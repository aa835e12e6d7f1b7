// Pure tests of the Go-compatible gzip encoder (no Go here; test/integration/deflate-*.test.ts
// compares with Go itself): framing, round trips through zlib, independence from write sizes,
// CRC-32, and the Huffman code builder's invariants.

import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { describe, it } from 'node:test';
import * as zlib from 'node:zlib';
import { crc32, crc32Fallback } from '../../src/artifact/deflate/crc32.js';
import { HuffmanEncoder } from '../../src/artifact/deflate/huffman-encoder.js';
import { GoGzipWriter, gzipSync } from '../../src/artifact/deflate/index.js';
import { createGzip } from '../../src/artifact/gzip.js';
import { fuzzCase, mixed, randomBytes, rng, tarLike, yaml } from '../tools/gogzip/corpus.js';

/** Go's gzip.NewWriter header: no flags, MTIME 0, XFL 0, OS 255 (research §1.7). */
const GO_HEADER = Buffer.from('1f8b08000000000000ff', 'hex');

function writeSplit(data: Uint8Array, sizes: () => number): Buffer {
  const gz = new GoGzipWriter();
  const out: Uint8Array[] = [];
  for (let off = 0; off < data.length; ) {
    const n = Math.max(1, sizes());
    gz.write(data.subarray(off, off + n));
    out.push(...gz.take());
    off += n;
  }
  gz.close();
  out.push(...gz.take());
  return Buffer.concat(out);
}

describe('gzip framing', () => {
  it("has Go's header, final empty stored block, CRC-32 and ISIZE", () => {
    const r = rng(10);
    for (const input of [Buffer.alloc(0), Buffer.from('x'), yaml(5000, r), randomBytes(70000, r)]) {
      const gz = gzipSync(input);
      assert.deepEqual(gz.subarray(0, 10), GO_HEADER);
      // Close() ends the deflate stream with an empty final stored block: ... 00 00 ff ff.
      assert.deepEqual(gz.subarray(gz.length - 12, gz.length - 8), Buffer.from('0000ffff', 'hex'));
      assert.equal(gz.readUInt32LE(gz.length - 8), zlib.crc32(input));
      assert.equal(gz.readUInt32LE(gz.length - 4), input.length);
      assert.deepEqual(zlib.gunzipSync(gz), input);
    }
  });

  it('picks a stored block for incompressible data and Huffman for text', () => {
    const r = rng(11);
    // First deflate byte: bit 0 = BFINAL, bits 1-2 = BTYPE (0 stored, 1 fixed, 2 dynamic).
    const btype = (gz: Buffer): number => (gz[10]! >> 1) & 3;
    assert.equal(btype(gzipSync(randomBytes(20000, r))), 0);
    assert.equal(btype(gzipSync(yaml(20000, r))), 2);
    assert.equal(btype(gzipSync(Buffer.from('hello hello hello'))), 1);
  });
});

describe('round trip through zlib', () => {
  it('decompresses to the input for seeded random mixtures', () => {
    const r = rng(12);
    for (let i = 0; i < 60; i++) {
      const input = fuzzCase(r);
      assert.deepEqual(zlib.gunzipSync(gzipSync(input)), input, `case ${i}, ${input.length} bytes`);
    }
  });

  it('compresses like zlib level 6 (within 3%) on text', () => {
    const r = rng(13);
    for (const input of [yaml(1 << 20, r), tarLike(1 << 20, r)]) {
      const ours = gzipSync(input).length;
      const z = zlib.gzipSync(input, { level: 6 }).length;
      assert.ok(Math.abs(ours - z) / z < 0.03, `ours ${ours} bytes vs zlib ${z}`);
    }
  });
});

describe('independence from write sizes', () => {
  it('gives the same bytes for 1-byte, random and whole writes', () => {
    const r = rng(14);
    const input = Buffer.concat([mixed(150_000, r), tarLike(150_000, r)]);
    const whole = gzipSync(input);
    assert.deepEqual(
      writeSplit(input.subarray(0, 80_000), () => 1),
      gzipSync(input.subarray(0, 80_000)),
    );
    for (const max of [7, 300, 5000, 70_000, 400_000]) {
      const split = writeSplit(input, () => 1 + Math.floor(r() * max));
      assert.ok(split.equals(whole), `random writes up to ${max} bytes`);
    }
  });

  it("createGzip() streams Go's bytes by default", async () => {
    const r = rng(15);
    const input = mixed(300_000, r);
    // Random piece boundaries, 1..9000 bytes apart.
    const bounds = [0];
    while (bounds.at(-1)! < input.length) {
      bounds.push(Math.min(input.length, bounds.at(-1)! + 1 + Math.floor(r() * 9000)));
    }
    const parts = bounds.slice(1).map((end, i) => input.subarray(bounds[i]!, end));
    const streamed = await buffer(Readable.from(parts).pipe(createGzip()));
    assert.ok(streamed.equals(gzipSync(input)));
    const viaZlib = await buffer(Readable.from(parts).pipe(createGzip('zlib')));
    assert.deepEqual(zlib.gunzipSync(viaZlib), input);
  });
});

describe('crc32', () => {
  it('the table fallback equals zlib.crc32, also when updated piecewise', () => {
    const r = rng(16);
    for (const n of [0, 1, 3, 1000, 65537]) {
      const data = randomBytes(n, r);
      assert.equal(crc32Fallback(data), zlib.crc32(data));
      const cut = Math.floor(n / 3);
      assert.equal(
        crc32Fallback(data.subarray(cut), crc32Fallback(data.subarray(0, cut))),
        zlib.crc32(data),
      );
      assert.equal(crc32(data, 0), zlib.crc32(data));
    }
  });
});

describe('Huffman code builder', () => {
  /** Optimal (unlimited) Huffman cost by repeated merging of the two smallest weights. */
  function optimalCost(freq: number[]): number {
    const w = freq.filter((f) => f > 0);
    if (w.length <= 1) return w.reduce((a, b) => a + b, 0);
    let cost = 0;
    while (w.length > 1) {
      w.sort((a, b) => a - b);
      const s = w.shift()! + w.shift()!;
      cost += s;
      w.push(s);
    }
    return cost;
  }

  it('builds complete, prefix-free, length-limited, optimal codes', () => {
    const r = rng(17);
    for (let t = 0; t < 300; t++) {
      const size = [19, 30, 286][t % 3]!;
      const maxBits = t % 3 === 0 ? 7 : 15;
      const freq = new Int32Array(size);
      const used = 1 + Math.floor(r() * size);
      const skew = r() < 0.5;
      for (let i = 0; i < used; i++) {
        const s = Math.floor(r() * size);
        freq[s] = skew ? Math.floor(2 ** (r() * 14)) : 1 + Math.floor(r() * 100);
      }
      const h = new HuffmanEncoder(size);
      h.generate(freq, maxBits);
      const syms = [...freq.keys()].filter((i) => freq[i]! > 0);
      let kraft = 0;
      for (let i = 0; i < size; i++) {
        const len = h.lens[i]!;
        assert.equal(len > 0, freq[i]! > 0, `symbol ${i} has a code iff it occurs`);
        assert.ok(len <= maxBits, `length ${len} > ${maxBits}`);
        if (len) kraft += 2 ** -len;
      }
      if (syms.length >= 2) assert.equal(kraft, 1, 'code is complete');
      // Prefix-free: codes are stored bit-reversed (LSB first), so compare as bit strings.
      const strs = syms.map((s) => {
        let b = '';
        for (let k = 0; k < h.lens[s]!; k++) b += (h.codes[s]! >> k) & 1;
        return b;
      });
      for (let a = 0; a < strs.length; a++) {
        for (let b = 0; b < strs.length; b++) {
          if (a !== b) assert.ok(!strs[b]!.startsWith(strs[a]!), 'prefix-free');
        }
      }
      const cost = h.bitLength(freq);
      const opt = optimalCost([...freq]);
      if (syms.length >= 2) assert.ok(cost >= opt, 'no code beats Huffman');
      const fitsUnlimited = h.lens.every((l) => l < maxBits);
      if (syms.length >= 2 && fitsUnlimited) assert.equal(cost, opt, 'optimal when not limited');
    }
  });
});
