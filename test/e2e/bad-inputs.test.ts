// Each entry point's invalid inputs give one clear line naming the input, no stack trace, and
// leave the registry unchanged.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { RegistryClient } from '../../src/oci/client.js';
import { parseRepository } from '../../src/oci/reference.js';
import { type RunResult, runAction } from '../harness/action.js';
import { startRegistry, type TestRegistry } from '../harness/registry.js';

function assertCleanFailure(r: RunResult, pattern: RegExp, secret?: string): void {
  assert.equal(r.exitCode, 1, `expected failure:\n${r.stdout}\n${r.stderr}`);
  assert.equal(r.errors.length, 1, `one error line expected:\n${r.stdout}`);
  assert.match(r.errors[0] ?? '', pattern);
  assert.doesNotMatch(r.stdout + r.stderr, /\n\s+at .*\(.*:\d+:\d+\)/, 'no stack trace');
  if (secret) {
    const visible = (r.stdout + r.stderr).replace(/::add-mask::.*\n/g, '');
    assert.ok(!visible.includes(secret), 'secret must not be printed');
  }
}

describe('bad inputs fail clearly and change nothing', () => {
  let registry: TestRegistry;
  let ws: string;
  let repo: string;
  let client: RegistryClient;

  before(async () => {
    registry = await startRegistry({ auth: 'basic' });
    ws = mkdtempSync(join(tmpdir(), 'ws-'));
    mkdirSync(join(ws, 'deploy'));
    writeFileSync(join(ws, 'deploy', 'a.yaml'), 'a: 1\n');
    repo = `${registry.host}/org/bad`;
    client = new RegistryClient(parseRepository(repo), {
      username: registry.username,
      password: registry.password,
      ignoreDockerConfig: true,
    });
  });
  after(async () => {
    await registry?.stop();
    if (ws) rmSync(ws, { recursive: true, force: true });
  });

  const auth = () => ({ username: registry.username ?? '', password: registry.password ?? '' });
  const push = (
    inputs: Record<string, string>,
    extra: Partial<Parameters<typeof runAction>[1]> = {},
  ) =>
    runAction('push', {
      inputs: { repository: repo, path: 'deploy', ...auth(), ...inputs },
      event: { ref: 'refs/heads/main' },
      workspace: ws,
      ...extra,
    });

  const cases: [string, () => Promise<RunResult>, RegExp][] = [
    ['missing path', () => push({ path: 'nope' }), /path/],
    ['path outside the workspace', () => push({ path: '../..' }), /path .*outside the workspace/],
    [
      'repository with a tag',
      () => push({ repository: `${repo}:v1` }),
      /repository .*must not include a tag/,
    ],
    ['upper-case repository', () => push({ repository: `${registry?.host}/Org/App` }), /lowercase/],
    ['invalid tag', () => push({ tags: 'bad tag!' }), /tags/],
    ['bad created', () => push({ created: 'yesterday' }), /created/],
    ['bad annotation line', () => push({ annotations: 'no-equals-sign' }), /annotations/],
    [
      'bad boolean',
      () => push({ 'resolve-symlinks': 'yes' }),
      /resolve-symlinks must be true or false/,
    ],
    ['unknown event without tags', () => push({}, { eventName: 'issue_comment' }), /tags/],
    ['bad latest', () => push({ latest: 'sometimes' }), /latest must be one of auto, true, false/],
    [
      'bad pr-content',
      () => push({ 'pr-content': 'base' }),
      /pr-content must be one of head, merge/,
    ],
    [
      'tag: bad digest',
      () =>
        runAction('tag', {
          inputs: { repository: repo, ref: 'sha256:abc', tags: 'x', ...auth() },
          workspace: ws,
        }),
      /ref .*digest/,
    ],
    [
      'tag: missing artifact',
      () =>
        runAction('tag', {
          inputs: { repository: repo, ref: 'missing', tags: 'x', ...auth() },
          workspace: ws,
        }),
      /not found/,
    ],
    [
      'pull: bad max-size',
      () =>
        runAction('pull', {
          inputs: { repository: repo, output: 'o', 'max-size': 'lots', ...auth() },
          workspace: ws,
        }),
      /max-size/,
    ],
    [
      'list: bad semver',
      () =>
        runAction('list', {
          inputs: { repository: repo, 'filter-semver': '>>nope<<', ...auth() },
          workspace: ws,
        }),
      /filter-semver/,
    ],
    [
      'diff: missing path',
      () =>
        runAction('diff', { inputs: { repository: repo, path: 'gone', ...auth() }, workspace: ws }),
      /path/,
    ],
  ];
  for (const [name, go, pattern] of cases) {
    test(name, async () => {
      assertCleanFailure(await go(), pattern);
      assert.deepEqual(await client.listTags(), []);
    });
  }

  test('wrong password: names the credentials, hides the password, writes nothing', async () => {
    const r = await push({ password: 'wrong-password-123' });
    assertCleanFailure(r, /username|password|credentials/i, 'wrong-password-123');
    assert.deepEqual(await client.listTags(), []);
  });

  test('unreachable registry: a clear message, bounded time', async () => {
    // A port that accepts nothing: bind, note the port, close.
    const port = await new Promise<number>((resolve) => {
      const s: Server = createServer();
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const started = Date.now();
    const r = await push({ repository: `127.0.0.1:${port}/org/app` }, { timeoutMs: 120_000 });
    assertCleanFailure(r, /127\.0\.0\.1/);
    assert.ok(Date.now() - started < 90_000);
  });
});
