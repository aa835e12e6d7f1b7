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
import {
  buildLayer,
  CONFIG_MEDIA_TYPE,
  CONTENT_MEDIA_TYPE,
  FLUX_DEFAULT_IGNORE,
  layerHasFiles,
} from '../../src/artifact/index.js';
import { guardArtifactHasFiles, guardBuiltLayer } from '../../src/github/content-guard.js';
import { createInputs } from '../../src/github/inputs.js';
import type { RegistryClient } from '../../src/oci/client.js';
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

  test('tag guard: an empty Flux layer is refused naming ref; images and indexes are not judged', async () => {
    const empty = await layerOf(tree('empty-for-tag', {}));
    const full = await layerOf(tree('full-for-tag', { 'a.yaml': 'kind: A\n' }));
    try {
      const blobs: Record<string, string> = {
        [empty.digest]: empty.file,
        [full.digest]: full.file,
      };
      const fetched: string[] = [];
      const client = (doc: object) =>
        ({
          getManifest: async () => ({
            bytes: Buffer.from(JSON.stringify(doc)),
            digest: 'sha256:x',
          }),
          fetchBlob: async (d: string) => {
            fetched.push(d);
            return createReadStream(blobs[d] as string);
          },
        }) as unknown as RegistryClient;
      const flux = (layer: string) => ({
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: CONFIG_MEDIA_TYPE },
        layers: [{ mediaType: CONTENT_MEDIA_TYPE, digest: layer }],
      });
      const opts = { inputs: inputs(), label: 'r:scratch', tags: ['latest'] };
      await assert.rejects(
        guardArtifactHasFiles(client(flux(empty.digest)), 'sha256:x', opts),
        (e: unknown) =>
          e instanceof UserError && e.input === 'ref' && /no tag was moved/.test(e.message),
      );
      await guardArtifactHasFiles(client(flux(empty.digest)), 'sha256:x', {
        ...opts,
        inputs: inputs({ 'allow-empty': 'true' }),
      });
      await guardArtifactHasFiles(client(flux(full.digest)), 'sha256:x', opts);
      // A Flux config without any layer is empty too.
      await assert.rejects(
        guardArtifactHasFiles(
          client({ config: { mediaType: CONFIG_MEDIA_TYPE }, layers: [] }),
          'd',
          opts,
        ),
        /holds no files/,
      );
      fetched.length = 0;
      const index = { mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [] };
      await guardArtifactHasFiles(client(index), 'sha256:x', opts);
      const image = {
        config: { mediaType: 'application/vnd.oci.image.config.v1+json' },
        layers: [
          { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: empty.digest },
        ],
      };
      await guardArtifactHasFiles(client(image), 'sha256:x', opts);
      assert.deepEqual(fetched, [], 'no blob read for artifacts that are not Flux artifacts');
    } finally {
      await empty.cleanup();
      await full.cleanup();
    }
  });
});
