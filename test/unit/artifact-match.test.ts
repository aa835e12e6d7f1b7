import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileMatch, decodeRune, goMatch } from '../../src/artifact/match.js';
import { rng } from '../harness/rng.js';

const enc = new TextEncoder();

// [pattern, name, filepath.Match result]; malformed patterns (Go: ErrBadPattern) never match.
// Written from the filepath.Match spec, each row checked against Go 1.26's filepath.Match.
const CASES: [string, string, boolean][] = [
  ['abc', 'abc', true],
  ['*', 'abc', true],
  ['*c', 'abc', true],
  ['a*', 'a', true],
  ['a*/b', 'abc/b', true],
  ['a*b*c*d*e*/f', 'axbxcxdxe/f', true],
  ['a*b?c*x', 'abxbbxdbxebxczzx', true],
  ['a*b?c*x', 'abxbbxdbxebxczzy', false],
  ['ab[c]', 'abc', true],
  ['ab[b-d]', 'abc', true],
  ['ab[e-g]', 'abc', false],
  ['ab[^c]', 'abc', false],
  ['ab[^b-d]', 'abc', false],
  ['ab[^e-g]', 'abc', true],
  ['a\\*b', 'a*b', true],
  ['a\\*b', 'ab', false],
  ['a?b', 'a☺b', true],
  ['a[^a]b', 'a☺b', true],
  ['a???b', 'a☺b', false],
  ['a[!a]b', 'a☺b', false],
  ['*x', 'xxx', true],
  ['[\\]a]', ']', true],
  ['[\\-]', '-', true],
  ['[x\\-]', 'z', false],
  ['[x\\-]', '-', true],
  ['[]a]', ']', false],
  ['[-]', '-', false],
  ['[x-]', 'x', false],
  ['[-x]', 'x', false],
  ['\\', 'a', false],
  ['[a-b-c]', 'a', false],
  ['[', 'a', false],
  ['[^', 'a', false],
  ['[^bc', 'a', false],
  ['a[', 'a', false],
  ['a[', 'ab', false],
  ['*[^é]', 'é', true],
  ['*?', 'é', true],
  ['?', 'é', true],
  ['??', 'é', false],
  ['[é]', 'é', true],
  ['[^a]', 'é', true],
  ['*.yaml', 'a.yaml', true],
  ['*.yaml', '.yaml', true],
  ['.*', '.git', true],
  ['\\ ', ' ', true],
  ['a\\ ', 'a ', true],
  ['[[:alpha:]]', 'a', false],
  ['*é', 'xé', true],
  ['[a-z]*', 'Ünï', false],
];

test('filepath.Match semantics: stars, classes, escapes, bad patterns', () => {
  for (const [pattern, name, want] of CASES) {
    assert.equal(
      goMatch(enc.encode(pattern), enc.encode(name)),
      want,
      `Match(${pattern}, ${name})`,
    );
  }
});

test('* works byte by byte, like Go, so [^é] can match the tail byte of é', () => {
  // Rune-level matching would say false here; Go resumes inside the rune and sees U+FFFD.
  assert.equal(goMatch(enc.encode('*[^é]'), enc.encode('é')), true);
  assert.equal(goMatch(enc.encode('[^é]'), enc.encode('é')), false);
});

test('names that are not valid UTF-8 are matched byte-wise', () => {
  const name = Uint8Array.from([0x61, 0xff, 0x62]); // a, invalid byte, b
  assert.equal(goMatch(enc.encode('a?b'), name), true);
  assert.equal(goMatch(enc.encode('a*'), name), true);
  assert.equal(goMatch(enc.encode('a[^x]b'), name), true);
});

test('decodeRune follows utf8.DecodeRune (invalid → U+FFFD width 1)', () => {
  const cases: [number[], number, number][] = [
    [[0x41], 0x41, 1],
    [[0xc3, 0xa9], 0xe9, 2],
    [[0xe2, 0x98, 0xba], 0x263a, 3],
    [[0xf0, 0x9f, 0x98, 0x80], 0x1f600, 4],
    [[0xc0, 0x80], 0xfffd, 1], // overlong
    [[0xed, 0xa0, 0x80], 0xfffd, 1], // surrogate
    [[0xf4, 0x90, 0x80, 0x80], 0xfffd, 1], // > U+10FFFF
    [[0xe2, 0x98], 0xfffd, 1], // truncated
    [[0x80], 0xfffd, 1], // lone continuation
  ];
  for (const [bytes, rune, width] of cases) {
    assert.deepEqual(decodeRune(Uint8Array.from(bytes), 0), [rune, width], bytes.join(','));
  }
  // Cross-check every valid BMP/astral sample against the platform's UTF-8 encoder.
  for (const cp of [0x7f, 0x80, 0x7ff, 0x800, 0xd7ff, 0xe000, 0xffff, 0x10000, 0x10ffff]) {
    const b = enc.encode(String.fromCodePoint(cp));
    assert.deepEqual(decodeRune(b, 0), [cp, b.length]);
  }
});

test("compileMatch gives goMatch's answer: the table, and random literal and *literal patterns", () => {
  for (const [pattern, name, want] of CASES) {
    assert.equal(compileMatch(enc.encode(pattern))(enc.encode(name)), want, `${pattern} ${name}`);
  }
  // Bytes that exercise the fast paths' edges: separators, a multi-byte rune, metacharacters.
  const alphabet = [0x61, 0x62, 0x2e, 0x2f, 0xc3, 0xa9, 0x2a, 0x3f, 0x5c, 0x5b, 0x5d];
  const next = rng(1010);
  const bytes = (max: number) =>
    Uint8Array.from({ length: Math.floor(next() * max) }, () => {
      return alphabet[Math.floor(next() * alphabet.length)]!;
    });
  let checked = 0;
  for (let i = 0; i < 20_000; i++) {
    const body = bytes(4);
    const pattern = next() < 0.5 ? body : Uint8Array.from([0x2a, ...body]);
    const name = next() < 0.3 ? Uint8Array.from([...bytes(3), ...body]) : bytes(6);
    assert.equal(compileMatch(pattern)(name), goMatch(pattern, name), `${pattern} ${name}`);
    checked++;
  }
  assert.equal(checked, 20_000);
});
