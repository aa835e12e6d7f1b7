// Our RE2 → JS translation against Go's regexp itself (the Go judge's --regexp-check mode, the
// same regexp.Compile + MatchString Flux calls): thousands of generated identity-style patterns
// and inputs, from a fixed seed, must get the same compile verdict and the same match answers.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { re2ToRegExp } from '../../src/signing/verify/re2.js';
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
  if (r < 0.4) return 'https://token.actions.githubusercontent.com';
  const chars = [...SAN];
  const edits = 1 + Math.floor(next() * 3);
  for (let i = 0; i < edits; i++) {
    const at = Math.floor(next() * chars.length);
    const pool = 'abz09./-@ _\nXé';
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

describe('RE2 translation agrees with Go regexp', requireTools('fluxjudge-1.10'), () => {
  it('on 3000 generated identity-style patterns and inputs', { timeout: 30 * 60_000 }, async () => {
    const next = rng(0x5eed);
    const queries: Array<{ pattern: string; input: string }> = [];
    for (let i = 0; i < 1000; i++) {
      const p = pattern(next);
      for (let j = 0; j < 3; j++) queries.push({ pattern: p, input: input(next) });
    }
    const answers = await askGo(queries);
    assert.equal(answers.length, queries.length);
    let compiled = 0;
    let matched = 0;
    let unsupported = 0;
    for (const [i, q] of queries.entries()) {
      const go = answers[i] as GoAnswer;
      let re: RegExp | undefined;
      try {
        re = re2ToRegExp(q.pattern);
      } catch (err) {
        // The one construct Go accepts that we refuse on purpose (it means nothing anyway).
        if (/repeating an anchor/.test((err as Error).message)) {
          unsupported++;
          continue;
        }
        assert.equal(
          go.ok,
          false,
          `we reject ${JSON.stringify(q.pattern)} (${(err as Error).message}) but Go compiles it`,
        );
        continue;
      }
      assert.equal(
        go.ok,
        true,
        `Go rejects ${JSON.stringify(q.pattern)} (${go.error}) but we translate it to ${re}`,
      );
      compiled++;
      const ours = re.test(q.input);
      assert.equal(
        ours,
        go.match,
        `${JSON.stringify(q.pattern)} on ${JSON.stringify(q.input)}: Go ${go.match}, JS ${re} ${ours}`,
      );
      if (ours) matched++;
    }
    // The generator must exercise both outcomes, or the comparison proves little.
    assert.ok(compiled > 300 && compiled < queries.length, `compiled ${compiled}`);
    assert.ok(matched > 50, `matched ${matched}`);
    assert.ok(unsupported < queries.length / 10, `unsupported ${unsupported}`);
  });
});
