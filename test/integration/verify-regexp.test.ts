// Our Go regexp (src/util/go-regexp.ts, re2js; used for matchOIDCIdentity and filter-regex)
// against Go's regexp itself (fluxjudge-1.10's --regexp-check mode, the same regexp.Compile +
// MatchString Flux calls): thousands of generated identity- and tag-style patterns and inputs, from
// a fixed seed, must get the same compile verdict and the same match answers.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { compileGoRegexp, type GoRegexp } from '../../src/util/go-regexp.js';
import { rng } from '../harness/rng.js';
import { requireTools, toolPath } from '../harness/tools.js';

const SAN = 'https://github.com/org/app/.github/workflows/publish.yaml@refs/heads/main';
const ATOMS = [
  'https://github\\.com/',
  'org/app',
  '/\\.github/workflows/',
  'publish\\.ya?ml',
  '@refs/heads/main',
  '@refs/tags/v\\d+\\.\\d+\\.\\d+',
  '[a-z]+',
  '[^/]+',
  '[[:alpha:]]+',
  '\\w+',
  '\\S+',
  '\\s',
  '.',
  '.*',
  '(heads|tags)',
  '(?:main|master)',
  'v[0-9]{1,3}',
  '\\Qa.b\\E',
  '\\-',
  '\\/',
  '\\b',
  'x{2,}',
  '[\\d-z]',
  '(',
  ')',
  '[',
  '*',
  '+?',
  '{,2}',
  // Flags mid-pattern, ungreedy, repeated anchors and named groups: all accepted by Go.
  '(?U)',
  '(?i)',
  '(?-i)',
  '(?s)',
  '(?m)',
  '(?i:MAIN)',
  '\\z+',
  '\\A*',
  '$+',
  '(?P<g>a)',
  '(?<g>b)',
  '\\pL+',
  '\\p{Greek}',
  '[[:^alpha:]]',
  '[^\\x00-\\x{10FFFF}]',
  // Rejected by Go.
  '\\C',
  '(?=x)',
  '\\1',
  'x{1001}',
  '(?<>c)',
  // filter-regex style.
  '^v\\d+\\.\\d+',
  '-rc\\.\\d+$',
];

function pattern(next: () => number): string {
  let p = next() < 0.5 ? '^' : '';
  const n = 1 + Math.floor(next() * 5);
  for (let i = 0; i < n; i++) p += ATOMS[Math.floor(next() * ATOMS.length)];
  if (next() < 0.5) p += '$';
  return p;
}

function input(next: () => number): string {
  const r = next();
  if (r < 0.3) return SAN;
  if (r < 0.35)
    return ['v1.2.3', 'v1.2.3-rc.1', 'MAIN', 'main', 'Main', '', 'ab'][
      Math.floor(next() * 7)
    ] as string;
  if (r < 0.4) return 'https://token.actions.githubusercontent.com';
  const chars = [...SAN];
  const edits = 1 + Math.floor(next() * 3);
  for (let i = 0; i < edits; i++) {
    const at = Math.floor(next() * chars.length);
    const pool = 'abz09./-@ _\nXéAM\u03b1';
    const c = pool[Math.floor(next() * pool.length)] as string;
    if (next() < 0.5) chars[at] = c;
    else chars.splice(at, 1);
  }
  return chars.join('');
}

interface GoAnswer {
  ok: boolean;
  match: boolean;
  error: string;
}

async function askGo(queries: Array<{ pattern: string; input: string }>): Promise<GoAnswer[]> {
  const bin = toolPath('fluxjudge-1.10');
  const child = spawn(bin, ['--regexp-check'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const out: Buffer[] = [];
  child.stdout.on('data', (c: Buffer) => out.push(c));
  const done = new Promise<number | null>((resolve) => child.on('close', resolve));
  child.stdin.end(queries.map((q) => JSON.stringify(q)).join('\n'));
  assert.equal(await done, 0);
  return Buffer.concat(out)
    .toString('utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as GoAnswer);
}

describe('Go regexp (re2js) agrees with Go regexp', requireTools('fluxjudge-1.10'), () => {
  it(
    'on 4500 generated identity- and tag-style patterns and inputs',
    { timeout: 30 * 60_000 },
    async () => {
      const next = rng(0x5eed);
      const queries: Array<{ pattern: string; input: string }> = [];
      for (let i = 0; i < 1500; i++) {
        const p = pattern(next);
        for (let j = 0; j < 3; j++) queries.push({ pattern: p, input: input(next) });
      }
      const answers = await askGo(queries);
      assert.equal(answers.length, queries.length);
      let compiled = 0;
      let rejected = 0;
      let matched = 0;
      for (const [i, q] of queries.entries()) {
        const go = answers[i] as GoAnswer;
        let re: GoRegexp;
        try {
          re = await compileGoRegexp(q.pattern);
        } catch (err) {
          assert.equal(
            go.ok,
            false,
            `we reject ${JSON.stringify(q.pattern)} (${(err as Error).message}) but Go compiles it`,
          );
          rejected++;
          continue;
        }
        assert.equal(
          go.ok,
          true,
          `Go rejects ${JSON.stringify(q.pattern)} (${go.error}) but we compile it`,
        );
        compiled++;
        const ours = re.test(q.input);
        assert.equal(
          ours,
          go.match,
          `${JSON.stringify(q.pattern)} on ${JSON.stringify(q.input)}: Go ${go.match}, re2js ${ours}`,
        );
        if (ours) matched++;
      }
      // The generator must exercise every outcome, or the comparison proves little.
      assert.ok(compiled > 300, `compiled ${compiled}`);
      assert.ok(rejected > 300, `rejected ${rejected}`);
      assert.ok(matched > 50 && matched < compiled, `matched ${matched} of ${compiled}`);
    },
  );

  it('on the patterns the old translator refused', async () => {
    const patterns = ['(?U)a+', '(?U)^a+?$', 'a(?i)b', '\\z+', '^a\\z+$', '(?i)a(?-i)b', 'x*\\A+'];
    const inputs = ['aaa', 'aB', 'AB', 'ab', 'a', '', 'Ab', 'x'];
    const queries = patterns.flatMap((pattern) => inputs.map((input) => ({ pattern, input })));
    const answers = await askGo(queries);
    for (const [i, q] of queries.entries()) {
      const go = answers[i] as GoAnswer;
      assert.equal(go.ok, true, `Go rejects ${q.pattern}: ${go.error}`);
      const re = await compileGoRegexp(q.pattern);
      assert.equal(re.test(q.input), go.match, `${q.pattern} on ${JSON.stringify(q.input)}`);
    }
  });
});
