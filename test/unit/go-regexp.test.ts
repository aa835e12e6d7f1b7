// Go regexp semantics (src/util/go-regexp.ts, through re2js) for matchOIDCIdentity and
// filter-regex. The expected answers were produced by Go's regexp package (regexp.Compile +
// MatchString, what Flux calls); test/integration/verify-regexp.test.ts asks Go live for more.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileGoRegexp, GoRegexpSyntaxError } from '../../src/util/go-regexp.js';

type Row = [pattern: string, expect: 'go-rejects' | Array<[input: string, match: boolean]>];

const RE2_TABLE: Row[] = [
  [
    '^https://token\\.actions\\.githubusercontent\\.com$',
    [
      ['https://token.actions.githubusercontent.com', true],
      ['https://token.actions.githubusercontent.com/org', false],
      ['xhttps://token.actions.githubusercontent.com', false],
      ['https://tokenXactions.githubusercontent.com', false],
    ],
  ],
  [
    'https://token.actions.githubusercontent.com',
    [
      ['https://token.actions.githubusercontent.com/enterprise', true],
      ['https://tokenXactionsXgithubusercontentXcom', true],
    ],
  ],
  [
    '^https://github\\.com/org/app/\\.github/workflows/publish\\.ya?ml@refs/heads/main$',
    [
      ['https://github.com/org/app/.github/workflows/publish.yaml@refs/heads/main', true],
      ['https://github.com/org/app/.github/workflows/publish.yml@refs/heads/main', true],
      ['https://github.com/org/app/.github/workflows/publish.yaml@refs/heads/main2', false],
      ['https://github.com/org/app/.github/workflows/publish.yaml@refs/heads/mai', false],
    ],
  ],
  [
    '^https://github\\.com/org/app/\\.github/workflows/release\\.yaml@refs/tags/v\\d+\\.\\d+\\.\\d+$',
    [
      ['https://github.com/org/app/.github/workflows/release.yaml@refs/tags/v1.2.3', true],
      ['https://github.com/org/app/.github/workflows/release.yaml@refs/tags/v1.2', false],
      ['https://github.com/org/app/.github/workflows/release.yaml@refs/tags/v1.2.3-rc.1', false],
      ['https://github.com/org/app/.github/workflows/release.yaml@refs/tags/v\u0661.2.3', false],
    ],
  ],
  [
    '@refs/(heads/main|tags/v.*)$',
    [
      ['x@refs/heads/main', true],
      ['x@refs/tags/v1', true],
      ['x@refs/heads/dev', false],
    ],
  ],
  [
    '^a.b$',
    [
      ['a\nb', false],
      ['a\rb', true],
      ['axb', true],
      ['a\u2028b', true],
      ['a\ud83d\ude00b', true],
    ],
  ],
  [
    '(?s)^a.b$',
    [
      ['a\nb', true],
      ['axb', true],
    ],
  ],
  [
    '(?i)^GITHUB$',
    [
      ['github', true],
      ['GitHub', true],
      ['gitlab', false],
    ],
  ],
  [
    '^\\s$',
    [
      [' ', true],
      ['\t', true],
      ['\u000b', false],
      ['\u00a0', false],
      ['\n', true],
    ],
  ],
  [
    '^\\S+$',
    [
      ['abc', true],
      ['a b', false],
      ['a\u00a0b', true],
    ],
  ],
  [
    '^\\w+$',
    [
      ['abc_09', true],
      ['\u00e9', false],
      ['a-b', false],
    ],
  ],
  [
    '^[\\d-z]+$',
    [
      ['1-z', true],
      ['a', false],
      ['5', true],
    ],
  ],
  [
    '^[a-c-e]+$',
    [
      ['a-e', true],
      ['d', false],
      ['b', true],
    ],
  ],
  [
    '^[[:alpha:]]+$',
    [
      ['abcXYZ', true],
      ['ab1', false],
    ],
  ],
  [
    '^[^[:digit:]]+$',
    [
      ['abc', true],
      ['a1', false],
    ],
  ],
  [
    '^\\pL+$',
    [
      ['abc\u00e9', true],
      ['ab1', false],
    ],
  ],
  [
    '^\\p{Greek}+$',
    [
      ['\u03b1\u03b2\u03b3', true],
      ['abc', false],
    ],
  ],
  [
    '^\\PL+$',
    [
      ['123', true],
      ['1a', false],
    ],
  ],
  [
    '^\\QA.B\\E$',
    [
      ['A.B', true],
      ['AxB', false],
    ],
  ],
  [
    '^a{2,3}$',
    [
      ['a', false],
      ['aa', true],
      ['aaa', true],
      ['aaaa', false],
    ],
  ],
  [
    '^a{,3}$',
    [
      ['a{,3}', true],
      ['aaa', false],
    ],
  ],
  ['^x{1000}$', [['x', false]]],
  ['^x{1001}$', 'go-rejects'],
  [
    '^(?P<name>ab)+$',
    [
      ['abab', true],
      ['aba', false],
    ],
  ],
  [
    '^\\x41\\x{42}$',
    [
      ['AB', true],
      ['ab', false],
    ],
  ],
  ['^\\101$', [['A', true]]],
  ['\\1', 'go-rejects'],
  ['^\\-\\@\\/\\:$', [['-@/:', true]]],
  ['a**', 'go-rejects'],
  ['(?=a)', 'go-rejects'],
  ['(a', 'go-rejects'],
  ['a)', 'go-rejects'],
  ['[a', 'go-rejects'],
  ['*a', 'go-rejects'],
  [
    '^[]a]+$',
    [
      [']a', true],
      ['b', false],
    ],
  ],
  [
    '^[^]a]+$',
    [
      ['bc', true],
      [']', false],
    ],
  ],
  [
    '\\bmain\\b',
    [
      ['refs/heads/main', true],
      ['refs/heads/mainline', false],
    ],
  ],
  [
    '\\Ahttps\\z',
    [
      ['https', true],
      ['https\n', false],
    ],
  ],
  [
    'https$',
    [
      ['https', true],
      ['https\n', false],
    ],
  ],
  [
    '',
    [
      ['anything', true],
      ['', true],
    ],
  ],
  [
    '^$',
    [
      ['', true],
      ['x', false],
    ],
  ],
  [
    '^(?:a|b)*?c$',
    [
      ['ababc', true],
      ['abd', false],
    ],
  ],
  [
    '^[\\x00-\\x1F]$',
    [
      ['\u0001', true],
      ['a', false],
    ],
  ],
  [
    '^[\\\\]$',
    [
      ['\\', true],
      ['a', false],
    ],
  ],
  ['\\8', 'go-rejects'],
  [
    '\\z+',
    [
      ['ab', true],
      ['', true],
    ],
  ],
  ['^a\\z+$', [['a', true]]],
  ['a{2}{3}', 'go-rejects'],
  [
    '(?i)k',
    [
      ['\u212a', true],
      ['K', true],
    ],
  ],
  [
    '(?U)^a+$',
    [
      ['aaa', true],
      ['b', false],
    ],
  ],
  ['(?U)a+?b', [['aab', true]]],
  [
    'a(?i)b',
    [
      ['aB', true],
      ['ab', true],
      ['AB', false],
    ],
  ],
  [
    '(?i)a(?-i)b',
    [
      ['Ab', true],
      ['AB', false],
    ],
  ],
  ['x*+', 'go-rejects'],
  [
    '^(?P<g>a)(?<g>b)$',
    [
      ['ab', true],
      ['ba', false],
    ],
  ],
  [
    '^(?P<g>[(?P<g>])(?P<g>\\Q(?P<g>\\E)$',
    [
      ['((?P<g>', true],
      ['P(?P<g>', true],
      ['a(?P<g>', false],
    ],
  ],
  [
    '^(?<n>x)$',
    [
      ['x', true],
      ['y', false],
    ],
  ],
  [
    '^[a-\\x{7a}]+$',
    [
      ['abz', true],
      ['A', false],
    ],
  ],
  ['\\p{Foo}', 'go-rejects'],
  ['\\C', 'go-rejects'],
  [
    '^.$',
    [
      ['\u0000', true],
      ['\ufffd', true],
    ],
  ],
  [
    '^[^a]$',
    [
      ['\n', true],
      ['b', true],
      ['a', false],
    ],
  ],
];

describe('compileGoRegexp', () => {
  for (const [pattern, expect] of RE2_TABLE) {
    it(`${JSON.stringify(pattern)} → ${Array.isArray(expect) ? 'same answers as Go' : expect}`, async () => {
      if (!Array.isArray(expect)) {
        await assert.rejects(compileGoRegexp(pattern), GoRegexpSyntaxError);
        return;
      }
      const re = await compileGoRegexp(pattern);
      for (const [input, match] of expect) {
        assert.equal(
          re.test(input),
          match,
          `${JSON.stringify(pattern)} on ${JSON.stringify(input)}`,
        );
      }
    });
  }

  it("words rejections as Go's regexp.Compile does", async () => {
    await assert.rejects(compileGoRegexp('(?=x)'), /^GoRegexpSyntaxError: error parsing regexp: /);
    await assert.rejects(compileGoRegexp('a**'), /invalid nested repetition operator/);
  });

  it('is unanchored unless anchored, like MatchString', async () => {
    const unanchored = await compileGoRegexp('heads/main');
    assert.equal(
      unanchored.test('https://github.com/o/r/.github/workflows/x.yml@refs/heads/main-x'),
      true,
    );
    assert.equal((await compileGoRegexp('^heads/main$')).test('refs/heads/main'), false);
  });
});
