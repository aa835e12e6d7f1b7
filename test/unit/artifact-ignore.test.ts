import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  FLUX_DEFAULT_IGNORE,
  IgnoreMatcher,
  parsePattern,
  parsePatterns,
} from '../../src/artifact/ignore.js';

// [patterns (in priority order), path relative to the root, isDir, excluded?]. Written from
// go-git's gitignore rules as Flux uses them; each row checked against fluxcd/pkg/sourceignore
// v0.18.0 (ReadPatterns + NewMatcher) compiled with Go 1.26.
const CASES: [string[], string, boolean, boolean][] = [
  [['.git/', '.gitignore', '*.png', '*.tar.gz'], '.git', true, true],
  [['.git/', '.gitignore', '*.png', '*.tar.gz'], '.git', false, false],
  [['.git/', '.gitignore', '*.png', '*.tar.gz'], '.git/config', false, true],
  [['.git/', '.gitignore', '*.png', '*.tar.gz'], 'sub/.git/HEAD', false, true],
  [['.git/', '.gitignore', '*.png', '*.tar.gz'], 'sub/.gitignore', false, true],
  [['.git/', '.gitignore', '*.png', '*.tar.gz'], 'img/logo.png', false, true],
  [['.git/', '.gitignore', '*.png', '*.tar.gz'], 'img/logo.PNG', false, false],
  [['.git/', '.gitignore', '*.png', '*.tar.gz'], 'x.png/inner.yaml', false, true],
  [['.git/', '.gitignore', '*.png', '*.tar.gz'], 'a.tar.gz', false, true],
  [['foo'], 'foo', false, true],
  [['foo'], 'a/foo', false, true],
  [['foo'], 'foo/bar', false, true],
  [['foo'], 'foobar', false, false],
  [['build/'], 'build', true, true],
  [['build/'], 'build', false, false],
  [['build/'], 'a/build', false, false],
  [['build/'], 'a/build/x.yaml', false, true],
  [['/build'], 'build', false, true],
  [['/build'], 'a/build', false, false],
  [['/build/'], 'build', true, true],
  [['/build/'], 'build', false, false],
  [['a/b'], 'a/b', false, true],
  [['a/b'], 'x/a/b', false, false],
  [['a/b'], 'a/b/c', false, true],
  [['a/*.yaml'], 'a/x.yaml', false, true],
  [['a/*.yaml'], 'a/b/x.yaml', false, false],
  [['**/foo'], 'foo', false, true],
  [['**/foo'], 'a/foo', false, true],
  [['**/foo'], 'a/b/foo', false, true],
  [['**/foo'], 'a/b/foo/x', false, true],
  [['a/**/b'], 'a/b', false, true],
  [['a/**/b'], 'a/x/b', false, true],
  [['a/**/b'], 'a/x/y/b', false, true],
  [['a/**/b'], 'b', false, false],
  [['a/**'], 'a', true, true],
  [['a/**'], 'a/x', false, true],
  [['a/**'], 'b/a/x', false, false],
  [['**/b/c'], 'b/x/b/c', false, false],
  [['**/b/c'], 'x/b/c', false, true],
  [['a**b/c'], 'axb/c', false, false],
  [['a**b'], 'axxb', false, true],
  [['a**b'], 'd/axxb', false, true],
  [['*.yaml', '!keep.yaml'], 'keep.yaml', false, false],
  [['*.yaml', '!keep.yaml'], 'drop.yaml', false, true],
  [['!keep.yaml', '*.yaml'], 'keep.yaml', false, true],
  [['dir/', '!dir/keep.yaml'], 'dir', true, true],
  [['dir/', '!dir/keep.yaml'], 'dir/keep.yaml', false, false],
  [['dir/', '!dir/keep.yaml'], 'dir/other.yaml', false, true],
  [['#foo'], '#foo', false, false],
  [['\\#foo'], '#foo', false, true],
  [['foo   '], 'foo', false, true],
  [['foo\\ '], 'foo ', false, true],
  [['foo\\ '], 'foo', false, false],
  [[' foo'], 'foo', false, false],
  [['!'], 'x', false, false],
  [['[ab].yaml'], 'b.yaml', false, true],
  [['[ab].yaml'], 'c.yaml', false, false],
  [['ü*'], 'über', false, true],
  [['ü*'], 'x/über/y', false, true],
  [['*'], 'anything', false, true],
  [['/'], 'x', false, false],
  [['/*'], 'x', false, true],
  [['/*'], 'x/y', false, true],
  [['/*/'], 'x', false, false],
  [['/*/'], 'x', true, true],
  [['a/**/'], 'a/b', false, true],
  [['a/**/'], 'a/b', true, true],
  [['**'], 'x', false, true],
  [['**'], 'x/y', false, true],
  [['/**/x'], 'x', false, true],
  [['/**/x'], 'a/b/x', false, true],
  [['a//b'], 'a/b', false, true],
];

test('gitignore matching exactly as Flux: simple, anchored, dir-only, **, negation, order', () => {
  for (const [patterns, path, isDir, want] of CASES) {
    const m = new IgnoreMatcher(patterns);
    assert.equal(
      m.ignoresPath(path, isDir),
      want,
      `${JSON.stringify(patterns)} ${path} dir=${isDir}`,
    );
  }
});

test('the root itself never matches, even with *', () => {
  const m = new IgnoreMatcher(['*', '**', '/']);
  assert.equal(m.ignores([], true), false);
  assert.equal(m.ignoresPath('x', false), true);
});

test('parsing: comments, blank lines, CRLF, lines inside one entry, trailing spaces', () => {
  const ps = parsePatterns(['# comment', '', '   ', '\t', 'a\r', 'b\nc', '!d/', 'e  ', 'f\\ ']);
  const text = (p: { parts: readonly Uint8Array[] }) =>
    p.parts.map((x) => Buffer.from(x).toString()).join('/');
  assert.deepEqual(ps.map(text), ['a', 'b', 'c', 'd', 'e', 'f\\ ']);
  assert.equal(ps[3]!.inclusion, true);
  assert.equal(ps[3]!.dirOnly, true);
  // A line of only U+FEFF is not blank for Go's TrimSpace (JS's trim() would say it is).
  assert.equal(parsePatterns(['\ufeff']).length, 1);
  // U+0085 is Go whitespace (JS's trim() keeps it).
  assert.equal(parsePatterns(['\u0085']).length, 0);
});

test('pattern kinds: glob when it contains a slash, anchors, dir-only', () => {
  assert.equal(parsePattern('a').isGlob, false);
  assert.equal(parsePattern('/a').isGlob, true);
  assert.equal(parsePattern('a/').isGlob, false);
  assert.equal(parsePattern('a/').dirOnly, true);
  assert.equal(parsePattern('a/b/').isGlob, true);
  assert.equal(parsePattern('!a').inclusion, true);
  assert.equal(parsePattern('\\!a').inclusion, false);
});

test('hasInclusions tells the walk whether ignored directories can be pruned', () => {
  assert.equal(new IgnoreMatcher(FLUX_DEFAULT_IGNORE).hasInclusions, false);
  assert.equal(new IgnoreMatcher(['dir/', '!dir/keep']).hasInclusions, true);
  assert.equal(new IgnoreMatcher(['\\!x']).hasInclusions, false);
});
