// The content guard on real layers built from real trees: an empty tree, one whose files are all
// ignored, one with only symlinks, and a real one.
import assert from 'node:assert/strict';
import {
  createReadStream,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { buildLayer, FLUX_DEFAULT_IGNORE, layerHasFiles } from '../../src/artifact/index.js';
import { guardBuiltLayer } from '../../src/github/content-guard.js';
import { createInputs } from '../../src/github/inputs.js';
import { UserError } from '../../src/util/errors.js';

const root = mkdtempSync(join(tmpdir(), 'guard-'));
after(() => rmSync(root, { recursive: true, force: true }));

function tree(name: string, files: Record<string, string>, links: Record<string, string> = {}) {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  for (const [f, body] of Object.entries(files)) {
    mkdirSync(join(dir, f, '..'), { recursive: true });
    writeFileSync(join(dir, f), body);
  }
  for (const [l, target] of Object.entries(links)) symlinkSync(target, join(dir, l));
  return dir;
}

async function layerOf(dir: string) {
  return buildLayer({ path: dir, ignorePaths: FLUX_DEFAULT_IGNORE, workspace: dir, tmpDir: root });
}

const inputs = (values: Record<string, string> = {}) => createInputs((n) => values[n] ?? '');

function guard(dir: string, layer: Awaited<ReturnType<typeof layerOf>>, values = {}) {
  guardBuiltLayer(layer, { inputs: inputs(values), path: dir, workspace: dir, given: '.' });
}

describe('content guard', () => {
  test('an empty workspace: 0 files, refused naming path, actions/checkout and allow-empty', async () => {
    const dir = tree('empty', {});
    const layer = await layerOf(dir);
    try {
      assert.equal(layer.files, 0);
      assert.equal(layer.entries, 1, 'only the root "."');
      assert.equal(await layerHasFiles(createReadStream(layer.file)), false);
      assert.throws(
        () => guard(dir, layer),
        (e: unknown) =>
          e instanceof UserError &&
          e.input === 'path' &&
          /actions\/checkout@v7/.test(e.message) &&
          /allow-empty: true/.test(e.message) &&
          /nothing was pushed and no tag moved/.test(e.message) &&
          !e.message.includes('\n'),
      );
      guard(dir, layer, { 'allow-empty': 'true' }); // allowed on purpose: no throw
    } finally {
      await layer.cleanup();
    }
  });

  test('a checked-out tree whose files are all ignored: refused naming path and ignore-paths', async () => {
    const dir = tree('ignored', { '.git/HEAD': 'ref: refs/heads/main\n', 'deploy/logo.png': 'x' });
    const layer = await layerOf(dir);
    try {
      assert.equal(layer.files, 0);
      assert.throws(
        () => guard(dir, layer),
        (e: unknown) =>
          e instanceof UserError && /ignore-paths/.test(e.message) && !/checkout/.test(e.message),
      );
    } finally {
      await layer.cleanup();
    }
  });

  test('only symlinks: refused pointing at resolve-symlinks', async () => {
    const real = tree('real-target', { 'a.yaml': 'kind: A\n' });
    const dir = tree('links', { 'README.md': '' }, { 'a.yaml': join(real, 'a.yaml') });
    rmSync(join(dir, 'README.md'));
    const layer = await layerOf(dir);
    try {
      assert.equal(layer.files, 0);
      assert.throws(() => guard(dir, layer), /resolve-symlinks: true/);
    } finally {
      await layer.cleanup();
    }
  });

  test('a real tree passes, and layerHasFiles finds its file', async () => {
    const dir = tree('real', { 'deploy/apps/app.yaml': 'kind: ConfigMap\n' });
    const layer = await layerOf(dir);
    try {
      assert.equal(layer.files, 1);
      assert.equal(await layerHasFiles(createReadStream(layer.file)), true);
      guard(dir, layer);
    } finally {
      await layer.cleanup();
    }
  });
});
