// applyTags all-or-nothing, against distribution behind the fault proxy: the order tags are
// written in, and the rollback of moved tags when a later write keeps failing.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { RegistryClient, type RegistryClientOptions } from '../../src/oci/client.js';
import { RegistryNetworkError } from '../../src/oci/errors.js';
import { parseRepository } from '../../src/oci/reference.js';
import { MEDIA_TYPE } from '../../src/oci/types.js';
import { applyTags, type ManifestRef, TagSetError } from '../../src/pipeline/tags.js';
import { type FaultyRegistry, startFaultyRegistry } from '../harness/fault-proxy.js';

const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const fast: RegistryClientOptions = {
  retry: { baseDelayMs: 5, maxAttempts: 3 },
  idleTimeoutMs: 1000,
};

async function artifact(c: RegistryClient): Promise<ManifestRef> {
  const empty = Buffer.from('{}');
  const layer = randomBytes(100);
  await c.uploadBlob({ bytes: empty }, sha256(empty), 2);
  await c.uploadBlob({ bytes: layer }, sha256(layer), layer.length);
  const bytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA_TYPE.ociManifest,
      config: { mediaType: MEDIA_TYPE.ociEmpty, digest: sha256(empty), size: 2 },
      layers: [{ mediaType: 'application/octet-stream', digest: sha256(layer), size: 100 }],
    }),
  );
  const digest = await c.putManifest(sha256(bytes), bytes, MEDIA_TYPE.ociManifest);
  return { bytes, digest, mediaType: MEDIA_TYPE.ociManifest };
}

describe('tag sets under faults', () => {
  let reg: FaultyRegistry;
  let c: RegistryClient;
  let direct: RegistryClient;
  before(async () => {
    reg = await startFaultyRegistry({}, { seed: 5 });
    c = new RegistryClient(parseRepository(`${reg.host}/tags/app`), fast);
    direct = new RegistryClient(parseRepository(`${reg.direct}/tags/app`), fast);
  });
  after(async () => {
    await reg?.stop();
  });

  const where = async (tags: string[]) =>
    Object.fromEntries(
      await Promise.all(tags.map(async (t) => [t, (await direct.headManifest(t))?.digest])),
    );

  test('new tags first, moved tags next, latest last; transient faults change nothing', async () => {
    const old = await artifact(c);
    await applyTags(c, old, ['latest', 'stable']);
    const next = await artifact(c);
    reg.proxy.setRules([
      {
        method: 'PUT',
        path: /\/manifests\//,
        rate: 0.5,
        faults: ['resetAfterApplied', 'status5xx', 'resetBefore'],
        limit: 2,
      },
    ]);
    const puts: string[] = [];
    const spy = c.putManifest.bind(c);
    c.putManifest = (ref, ...rest) => {
      puts.push(ref);
      return spy(ref, ...rest);
    };
    const r = await applyTags(c, next, ['latest', 'v2', 'stable']);
    c.putManifest = spy;
    reg.proxy.setRules([]);
    assert.deepEqual(puts, ['v2', 'stable', 'latest']);
    assert.deepEqual(r.tags, ['latest', 'v2', 'stable']);
    assert.deepEqual(r.moved.map((m) => m.tag).sort(), ['latest', 'stable']);
    assert.deepEqual(await where(['latest', 'v2', 'stable']), {
      latest: next.digest,
      v2: next.digest,
      stable: next.digest,
    });
  });

  test('a tag that cannot be written: moved tags are put back, the error and data say which', async () => {
    const old = await artifact(c);
    await applyTags(c, old, ['latest', 'prod', 'stable']);
    const next = await artifact(c);
    // `latest` is written last; make every write of it fail.
    reg.proxy.setRules([
      { method: 'PUT', path: /\/manifests\/latest$/, rate: 1, faults: ['status5xx'] },
    ]);
    await assert.rejects(
      applyTags(c, next, ['latest', 'prod', 'stable', 'new-1']),
      (e: unknown) => {
        assert.ok(e instanceof TagSetError, String(e));
        assert.equal(e.failedTag, 'latest');
        assert.ok(e.cause instanceof RegistryNetworkError && e.cause.data.exhausted);
        assert.deepEqual(e.rolledBack.map((m) => m.tag).sort(), ['prod', 'stable']);
        assert.deepEqual(e.leftMoved, []);
        assert.deepEqual(e.created, ['new-1']);
        assert.match(
          e.message,
          /moved, then restored: (stable, prod|prod, stable); new tags written: new-1$/,
        );
        return true;
      },
    );
    reg.proxy.setRules([]);
    assert.deepEqual(await where(['latest', 'prod', 'stable', 'new-1']), {
      latest: old.digest,
      prod: old.digest,
      stable: old.digest,
      'new-1': next.digest,
    });
  });

  test('a tag whose every write applied but lost its answer is put back too', async () => {
    const old = await artifact(c);
    await applyTags(c, old, ['latest', 'stable']);
    const next = await artifact(c);
    // Each of the client's 3 attempts at `latest` is stored, then answered 502; the put-back
    // that follows passes. The step fails, and no tag may be left on the new digest.
    reg.proxy.setRules([
      {
        method: 'PUT',
        path: /\/manifests\/latest$/,
        rate: 1,
        faults: ['gatewayAfterApplied'],
        limit: 3,
      },
    ]);
    await assert.rejects(applyTags(c, next, ['latest', 'stable']), (e: unknown) => {
      assert.ok(e instanceof TagSetError, String(e));
      assert.equal(e.failedTag, 'latest');
      assert.deepEqual(e.rolledBack.map((m) => m.tag).sort(), ['latest', 'stable']);
      assert.deepEqual(e.leftMoved, []);
      return true;
    });
    reg.proxy.setRules([]);
    assert.deepEqual(await where(['latest', 'stable']), {
      latest: old.digest,
      stable: old.digest,
    });
  });

  test('a new tag whose every write applied but lost its answer is reported as written', async () => {
    const old = await artifact(c);
    await applyTags(c, old, ['latest']);
    const next = await artifact(c);
    // Each of the client's 3 attempts at the new tag `v3` is stored, then answered 502: the tag
    // exists, on the new digest, and the outputs must say so; `latest` never moved.
    reg.proxy.setRules([
      {
        method: 'PUT',
        path: /\/manifests\/v3$/,
        rate: 1,
        faults: ['gatewayAfterApplied'],
        limit: 3,
      },
    ]);
    await assert.rejects(applyTags(c, next, ['latest', 'v3', 'r3']), (e: unknown) => {
      assert.ok(e instanceof TagSetError, String(e));
      assert.equal(e.failedTag, 'v3');
      assert.ok(e.failedTagStored);
      assert.deepEqual([...e.created].sort(), ['r3', 'v3']);
      assert.match(e.message, /^tag v3 was stored, though its every write failed \(/);
      assert.match(e.report(), /new tags written: (r3, v3|v3, r3)/);
      return true;
    });
    reg.proxy.setRules([]);
    assert.deepEqual(await where(['latest', 'v3', 'r3']), {
      latest: old.digest,
      v3: next.digest,
      r3: next.digest,
    });
  });
});
