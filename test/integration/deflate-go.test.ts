// Our Go-compatible gzip encoders against Go's compress/gzip itself (test/tools/gogzip, built
// here with `go build`, once with Go 1.26 and once with Go 1.27, whose compress/flate is a new
// encoder): byte-identical output on edge sizes, block and window boundaries, real kinds of
// content and inputs of tens of MB, however the input is split into writes.

import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { type GoDeflate, gzipSync as gzipLine } from '../../src/artifact/deflate/index.js';
import { createGzip } from '../../src/artifact/gzip.js';
import { mixed, randomBytes, repetitive, rng, tarLike, yaml } from '../tools/gogzip/corpus.js';
import { buildGoGzip, firstDiff, type GoGzip, goGzip, goGzipMany } from '../tools/gogzip/gogzip.js';

function assertSame(ours: Uint8Array, theirs: Uint8Array, input: Uint8Array, what: string): void {
  const at = firstDiff(ours, theirs);
  assert.equal(
    at,
    -1,
    `${what}: first differing byte at offset ${at} (ours ${ours.length} bytes, Go ${theirs.length})`,
  );
  assert.ok(gunzipSync(ours).equals(input), `${what}: zlib does not decompress to the input`);
}

/** Streams `data` through createGzip(line) in pieces whose sizes come from `sizes`. */
async function viaStream(line: GoDeflate, data: Buffer, sizes: () => number): Promise<Buffer> {
  const pieces: Buffer[] = [];
  for (let off = 0; off < data.length; ) {
    const n = Math.max(1, sizes());
    pieces.push(data.subarray(off, off + n));
    off += n;
  }
  return buffer(Readable.from(pieces, { objectMode: false }).pipe(createGzip(line)));
}

for (const line of ['go1.26', 'go1.27'] as const) {
  describe(`gzip: byte-identical to ${line} compress/gzip (default level)`, () => {
    let go: GoGzip;
    before(() => {
      go = buildGoGzip(line);
    });
    after(() => go?.cleanup());
    const gzipSync = (data: Uint8Array) => gzipLine(data, line);

    it(`is checked against ${line} (Flux ${line === 'go1.26' ? '2.9' : '2.10'} is built with it)`, () => {
      assert.ok(go.goVersion.startsWith(`${line}.`), `reference built with ${go.goVersion}`);
    });

    it('tiny inputs: empty, 1 byte and up to 64 bytes', () => {
      const r = rng(1);
      const inputs: Buffer[] = [Buffer.alloc(0), Buffer.from('a'), Buffer.from([0])];
      for (let n = 2; n <= 64; n++)
        inputs.push(randomBytes(n, r), Buffer.alloc(n, 'x'), yaml(n, r));
      const theirs = goGzipMany(go.bin, inputs);
      inputs.forEach((input, i) => {
        assertSame(gzipSync(input), theirs[i]!, input, `input #${i} (${input.length} bytes)`);
      });
    });

    it('sizes around window, shift, token-block and stored-block boundaries', () => {
      const r = rng(2);
      // 32 KiB window; 65274 = 2*window - (4 + 258) where the window slides; 16384 tokens per
      // block (random bytes are all literals); 65535 = largest stored block.
      // Go 1.27: 65535-byte windows; 327675 bytes of history, moved down when full.
      const centers = [16384, 32768, 65274, 65535, 65536, 98304, 131070, 131072, 196605, 327675];
      const inputs: Buffer[] = [];
      const what: string[] = [];
      for (const c of centers) {
        for (const d of [-2, -1, 0, 1, 2]) {
          const n = c + d;
          inputs.push(randomBytes(n, r), yaml(n, r), Buffer.alloc(n), mixed(n, r));
          what.push(`random ${n}`, `yaml ${n}`, `zeros ${n}`, `mixed ${n}`);
        }
      }
      // 16384 tokens of a lazily matched mixture, cut at exact token-count boundaries.
      for (let k = 16380; k <= 16390; k++) {
        inputs.push(Buffer.from(Array.from({ length: k }, (_, i) => (i * 7) & 0xff)));
        what.push(`literal run ${k}`);
      }
      const theirs = goGzipMany(go.bin, inputs);
      inputs.forEach((input, i) => {
        assertSame(gzipSync(input), theirs[i]!, input, what[i]!);
      });
    });

    it('content kinds: repetitive, random, YAML, tar-like, mixed', () => {
      const r = rng(3);
      const cases: [string, Buffer][] = [
        ['repetitive 1 MiB', repetitive(1 << 20)],
        ['random 1 MiB', randomBytes(1 << 20, r)],
        ['yaml 2 MiB', yaml(2 << 20, r)],
        ['tar-like 3 MiB', tarLike(3 << 20, r)],
        ['mixed 2 MiB', mixed(2 << 20, r)],
        ['zeros 1 MiB', Buffer.alloc(1 << 20)],
      ];
      const theirs = goGzipMany(
        go.bin,
        cases.map(([, d]) => d),
      );
      cases.forEach(([what, input], i) => {
        assertSame(gzipSync(input), theirs[i]!, input, what);
      });
    });

    it('tens of MB (past the 16 MiB hash-offset rebase)', () => {
      const r = rng(4);
      for (const [what, input] of [
        ['tar-like 24 MiB', tarLike(24 << 20, r)],
        ['mixed 20 MiB', mixed(20 << 20, r)],
      ] as const) {
        assertSame(gzipSync(input), goGzip(go.bin, input), input, what);
      }
    });

    it("Go's own output does not depend on write sizes", () => {
      const r = rng(5);
      const input = Buffer.concat([tarLike(400_000, r), mixed(300_000, r)]);
      const whole = goGzip(go.bin, input);
      for (const [chunk, seed] of [
        [1, 0],
        [4096, 0],
        [70000, 11],
        [300, 12],
      ] as const) {
        const split = goGzip(go.bin, input, { chunk, seed });
        assert.equal(firstDiff(split, whole), -1, `Go with chunk=${chunk} seed=${seed}`);
      }
    });

    it('streaming with any split of the input equals Go', async () => {
      const r = rng(6);
      const input = Buffer.concat([tarLike(500_000, r), mixed(400_000, r), yaml(100_000, r)]);
      const theirs = goGzip(go.bin, input);
      const splits: [string, () => number][] = [
        ['1-byte writes', () => 1],
        ['random writes up to 1000', () => 1 + Math.floor(r() * 1000)],
        ['random writes up to 200000', () => 1 + Math.floor(r() * 200_000)],
        ['one write', () => input.length],
      ];
      for (const [what, sizes] of splits) {
        const data = what === '1-byte writes' ? input.subarray(0, 70_000) : input;
        const expected = what === '1-byte writes' ? goGzip(go.bin, data) : theirs;
        assertSame(await viaStream(line, data, sizes), expected, data, what);
      }
    });
  });
}
