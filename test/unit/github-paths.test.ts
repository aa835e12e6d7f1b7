import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { resolveUserPath } from '../../src/github/paths.js';
import { UserError } from '../../src/util/errors.js';

describe('resolveUserPath: real locations, component by component', () => {
  let top = '';
  let ws = '';
  let outside = '';
  let temp = '';
  before(() => {
    top = realpathSync(mkdtempSync(join(tmpdir(), 'paths-')));
    ws = join(top, 'ws');
    outside = join(top, 'outside');
    temp = join(top, 'temp');
    for (const d of [ws, outside, temp, join(outside, 'sub'), join(ws, 'deploy', 'apps')])
      mkdirSync(d, { recursive: true });
    writeFileSync(join(outside, 'secret.txt'), 'secret');
    writeFileSync(join(ws, 'deploy', 'a.yaml'), 'a: 1\n');
    writeFileSync(join(temp, 'root.json'), '{}');
    symlinkSync(outside, join(ws, 'vendor'));
    symlinkSync('deploy', join(ws, 'inner'));
    symlinkSync(join(top, 'nowhere'), join(ws, 'dangling'));
    symlinkSync(temp, join(ws, 'to-temp'));
    symlinkSync(join(outside, 'secret.txt'), join(ws, 'deploy', 'leak.txt'));
  });
  after(() => rmSync(top, { recursive: true, force: true }));

  const refuse = (given: string, pattern: RegExp, runnerTemp?: string) =>
    assert.throws(
      () => resolveUserPath('path', given, { workspace: ws, runnerTemp }),
      (err: unknown) =>
        err instanceof UserError && err.input === 'path' && pattern.test(err.message),
    );

  test('a symlinked parent directory is caught, whatever follows it', () => {
    refuse('vendor/sub', /outside the workspace through the symlink vendor -> .*outside/);
    refuse('vendor/secret.txt', /symlink vendor ->/);
    refuse('vendor/not-yet/pulled', /symlink vendor ->/);
    refuse('./deploy/../vendor/sub', /symlink vendor ->/);
  });
  test('a symlink in the last component leading out is caught', () => {
    refuse('deploy/leak.txt', /symlink deploy\/leak\.txt ->/);
    refuse('vendor', /symlink vendor ->/);
  });
  test('dangling links and .. out of the workspace are refused', () => {
    refuse('dangling/x', /points nowhere/);
    refuse('../outside', /is outside the workspace/);
    refuse(outside, /is outside the workspace/);
    refuse('deploy/a.yaml/x', /deploy\/a\.yaml is a file/);
  });
  test('RUNNER_TEMP only where allowed', () => {
    refuse('to-temp/root.json', /symlink to-temp ->/);
    refuse(join(temp, 'root.json'), /is outside the workspace/);
    assert.equal(
      resolveUserPath('path', join(temp, 'root.json'), { workspace: ws, runnerTemp: temp }).path,
      join(temp, 'root.json'),
    );
    assert.equal(
      resolveUserPath('path', 'to-temp/root.json', { workspace: ws, runnerTemp: temp }).path,
      join(temp, 'root.json'),
    );
  });
  test('inside paths resolve to their real location; missing ones to the real ancestor', () => {
    assert.deepEqual(resolveUserPath('path', 'inner/apps', { workspace: ws }), {
      path: join(ws, 'deploy', 'apps'),
      exists: true,
    });
    assert.deepEqual(resolveUserPath('output', 'inner/new/out', { workspace: ws }), {
      path: join(ws, 'deploy', 'new', 'out'),
      exists: false,
    });
    assert.equal(
      resolveUserPath('path', 'inner', { workspace: ws, keepLastLink: true }).path,
      join(ws, 'inner'),
    );
    assert.equal(resolveUserPath('path', '.', { workspace: ws }).path, ws);
  });
});
