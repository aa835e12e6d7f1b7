import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { ArtifactError } from '../../src/artifact/errors.js';
import {
  annotationsFrom,
  buildManifest,
  CONFIG_MEDIA_TYPE,
  CONTENT_MEDIA_TYPE,
  configBlob,
  firstLayer,
  formatCreated,
  isRFC3339,
  manifestAnnotations,
} from '../../src/artifact/manifest.js';
import { failureInput, failureMessage } from '../../src/github/errors.js';
import { MEDIA_TYPE } from '../../src/oci/types.js';

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

test('config blob: Flux v2.9.x constant, 115 bytes, known digest', () => {
  const { bytes, descriptor } = configBlob();
  assert.equal(bytes.length, 115);
  assert.equal(descriptor.size, 115);
  assert.equal(descriptor.mediaType, 'application/vnd.cncf.flux.config.v1+json');
  assert.equal(descriptor.digest, sha(bytes));
  // Digest recorded in the research notes from artifacts pushed by flux v2.9.x.
  assert.equal(
    descriptor.digest,
    'sha256:5b943e2b943f6c81dbbd4e2eca5121f4fcc39139e3d1219d6d89bd925b77d9fe',
  );
  // Go struct order, compact, no trailing newline, config always {}.
  const parsed = JSON.parse(bytes.toString());
  assert.deepEqual(Object.keys(parsed), ['architecture', 'created', 'os', 'rootfs', 'config']);
  assert.deepEqual(parsed.rootfs, { type: 'layers', diff_ids: null });
  assert.notEqual(bytes[bytes.length - 1], 0x0a);
});

test('manifest: exact compact JSON, key order, annotations sorted by bytes', () => {
  const layer = { digest: `sha256:${'a'.repeat(64)}`, size: 357 };
  const annotations = annotationsFrom({
    created: '2026-01-02T03:04:05Z',
    source: 'https://github.com/org/repo',
    revision: 'main@sha1:0123456789abcdef0123456789abcdef01234567',
    extra: { 'z.last': 'q=1&r=<2>', 'a.first': 'x', Upper: 'u' },
  });
  const m = buildManifest({ layer, annotations });
  const { descriptor: cfg } = configBlob();
  const expected =
    `{"schemaVersion":2,"mediaType":"${MEDIA_TYPE.ociManifest}",` +
    `"config":{"mediaType":"${CONFIG_MEDIA_TYPE}","size":115,"digest":"${cfg.digest}"},` +
    `"layers":[{"mediaType":"${CONTENT_MEDIA_TYPE}","size":357,"digest":"${layer.digest}"}],` +
    `"annotations":{"Upper":"u","a.first":"x",` +
    '"org.opencontainers.image.created":"2026-01-02T03:04:05Z",' +
    '"org.opencontainers.image.revision":"main@sha1:0123456789abcdef0123456789abcdef01234567",' +
    '"org.opencontainers.image.source":"https://github.com/org/repo",' +
    '"z.last":"q=1\\u0026r=\\u003c2\\u003e"}}';
  assert.equal(m.bytes.toString(), expected);
  assert.equal(m.digest, sha(m.bytes));
  assert.equal(m.size, m.bytes.length);
  assert.equal(m.mediaType, MEDIA_TYPE.ociManifest);
});

test('annotation keys sort by UTF-8 bytes, not UTF-16 code units', () => {
  // U+FF5E sorts before U+1F600 in UTF-8 bytes (EF… < F0…) but after it in UTF-16 (FF5E > D83D).
  const m = buildManifest({
    layer: { digest: `sha256:${'b'.repeat(64)}`, size: 1 },
    annotations: { '\u{1f600}': '1', '\uff5e': '2' },
  });
  const json = m.bytes.toString();
  assert.ok(json.indexOf('\uff5e') < json.indexOf('\u{1f600}'));
});

test('annotationsFrom: user annotations override like Flux ToAnnotations; values may hold =', () => {
  const a = annotationsFrom({
    created: '2026-01-02T03:04:05Z',
    source: 's',
    revision: 'r',
    extra: { 'org.opencontainers.image.source': 'https://override', k: 'a=b=c' },
  });
  assert.equal(a['org.opencontainers.image.source'], 'https://override');
  assert.equal(a.k, 'a=b=c');
  // An empty created annotation falls back to the default (Flux v2.9).
  const b = annotationsFrom({
    created: '1970-01-01T00:00:00Z',
    source: 's',
    revision: 'r',
    extra: { 'org.opencontainers.image.created': '' },
  });
  assert.equal(b['org.opencontainers.image.created'], '1970-01-01T00:00:00Z');
});

test('annotationsFrom rejects a created value Flux would refuse, naming the input', () => {
  assert.throws(
    () =>
      annotationsFrom({
        created: '2026-01-02T03:04:05Z',
        source: 's',
        revision: 'r',
        extra: { 'org.opencontainers.image.created': 'yesterday' },
      }),
    (err: unknown) =>
      err instanceof ArtifactError &&
      failureInput(err) === 'annotations' &&
      /^input 'annotations' has org\.opencontainers\.image\.created=yesterday, which Flux rejects/.test(
        failureMessage(err) ?? '',
      ),
  );
  assert.throws(
    () => annotationsFrom({ created: '2026-13-01T00:00:00Z', source: 's', revision: 'r' }),
    (err: unknown) => err instanceof ArtifactError && failureInput(err) === 'created',
  );
});

test('formatCreated: RFC 3339 seconds in UTC with Z; isRFC3339 like Go time.Parse', () => {
  assert.equal(formatCreated(new Date(0)), '1970-01-01T00:00:00Z');
  assert.equal(formatCreated(new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 999))), '2026-01-02T03:04:05Z');
  for (const ms of [0, 1e12, 1.7e12, 253402300799000]) {
    const s = formatCreated(new Date(ms));
    assert.match(s, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(Date.parse(s), Math.floor(ms / 1000) * 1000);
    assert.ok(isRFC3339(s));
  }
  assert.ok(isRFC3339('2026-01-02T03:04:05.123+01:00'));
  assert.ok(!isRFC3339('2026-01-02 03:04:05Z'));
  assert.ok(!isRFC3339('2026-02-30T00:00:00Z'));
  assert.ok(!isRFC3339('2026-01-02T24:00:00Z'));
  assert.ok(!isRFC3339('2026-01-02T03:04:05'));
  assert.throws(() => formatCreated(new Date(Number.NaN)));
});

test('manifest readers: the first layer and the annotations of a fetched manifest', () => {
  const layer = { digest: `sha256:${'ab'.repeat(32)}`, size: 357 };
  const annotations = annotationsFrom({
    created: '2026-01-02T03:04:05Z',
    source: 'https://github.com/org/repo',
    revision: 'main@sha1:0123456789abcdef0123456789abcdef01234567',
  });
  const m = buildManifest({ layer, annotations });
  assert.deepEqual(firstLayer(m.bytes), layer);
  assert.deepEqual(manifestAnnotations(m.bytes), annotations);
  // Another tool's manifest: two layers (Flux reads the first), no annotations.
  const other = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      layers: [
        { mediaType: CONTENT_MEDIA_TYPE, digest: 'sha256:1', size: 1 },
        { mediaType: CONTENT_MEDIA_TYPE, digest: 'sha256:2', size: 2 },
      ],
    }),
  );
  assert.deepEqual(firstLayer(other), { digest: 'sha256:1', size: 1 });
  assert.deepEqual(manifestAnnotations(other), {});
  // No layers, or a layer without a size: no first layer to compare or pull.
  assert.equal(firstLayer(Buffer.from('{"schemaVersion":2,"layers":[]}')), undefined);
  assert.equal(firstLayer(Buffer.from('{"layers":[{"digest":"sha256:1"}]}')), undefined);
});
