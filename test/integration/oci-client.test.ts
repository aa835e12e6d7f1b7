// RegistryClient against real registries: distribution 2.8 (no referrers API) and
// go-containerregistry's registry (referrers API), without auth.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { failureMessage } from '../../src/github/errors.js';
import { RegistryClient, type RegistryClientOptions } from '../../src/oci/client.js';
import { NotFoundError } from '../../src/oci/errors.js';
import { parseRepository, referrersTagFor } from '../../src/oci/reference.js';
import { type Descriptor, MEDIA_TYPE } from '../../src/oci/types.js';
import { startRegistry, type TestRegistry } from '../harness/registry.js';

const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const EMPTY = Buffer.from('{}');
const fast: RegistryClientOptions = {
  retry: { baseDelayMs: 10, maxAttempts: 3 },
  timeoutMs: 60_000,
};

function client(reg: TestRegistry, path: string, options: RegistryClientOptions = {}) {
  return new RegistryClient(parseRepository(`${reg.host}/${path}`), { ...fast, ...options });
}

/** Pushes an artifact (empty config + one layer) and returns its manifest descriptor. */
async function pushArtifact(c: RegistryClient, layer: Buffer, tag?: string, extra: object = {}) {
  await c.uploadBlob({ bytes: EMPTY }, sha256(EMPTY), 2);
  await c.uploadBlob({ bytes: layer }, sha256(layer), layer.length);
  const bytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA_TYPE.ociManifest,
      config: { mediaType: MEDIA_TYPE.ociEmpty, digest: sha256(EMPTY), size: 2 },
      layers: [
        { mediaType: 'application/octet-stream', digest: sha256(layer), size: layer.length },
      ],
      ...extra,
    }),
  );
  const digest = await c.putManifest(tag ?? sha256(bytes), bytes, MEDIA_TYPE.ociManifest);
  return { digest, size: bytes.length, mediaType: MEDIA_TYPE.ociManifest, bytes };
}

function referrerOf(subject: Descriptor, artifactType: string, content: Buffer) {
  return {
    artifactType,
    subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
    annotations: { 'org.opencontainers.image.created': '2026-01-01T00:00:00Z' },
    content,
  };
}

async function pushReferrer(c: RegistryClient, subject: Descriptor, artifactType: string) {
  const content = randomBytes(64);
  await c.uploadBlob({ bytes: EMPTY }, sha256(EMPTY), 2);
  await c.uploadBlob({ bytes: content }, sha256(content), content.length);
  const r = referrerOf(subject, artifactType, content);
  const bytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA_TYPE.ociManifest,
      artifactType: r.artifactType,
      config: { mediaType: MEDIA_TYPE.ociEmpty, digest: sha256(EMPTY), size: 2 },
      layers: [{ mediaType: artifactType, digest: sha256(content), size: content.length }],
      subject: r.subject,
      annotations: r.annotations,
    }),
  );
  return { digest: await c.putReferrer(bytes), size: bytes.length, bytes };
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe('distribution 2.8 (no referrers API)', () => {
  let reg: TestRegistry;
  let dir: string;
  before(async () => {
    reg = await startRegistry({ auth: 'none' });
    dir = mkdtempSync(join(tmpdir(), 'oci-client-'));
  });
  after(async () => {
    await reg.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('monolithic blob upload, skip when present, verified download', async () => {
    const c = client(reg, 'org/mono');
    const blob = randomBytes(4096);
    assert.equal(await c.blobExists(sha256(blob)), false);
    assert.equal(await c.uploadBlob({ bytes: blob }, sha256(blob), blob.length), true);
    assert.equal(await c.blobExists(sha256(blob)), true);
    assert.equal(await c.uploadBlob({ bytes: blob }, sha256(blob), blob.length), false);
    assert.deepEqual(await readAll(await c.fetchBlob(sha256(blob))), blob);
    await assert.rejects(c.uploadBlob({ bytes: blob }, sha256(EMPTY), blob.length), /do not match/);
  });

  test('chunked upload of a multi-MiB file with a small chunk size', async () => {
    const c = client(reg, 'org/chunked', {
      chunkThreshold: 1024 * 1024,
      chunkSize: 512 * 1024 + 7,
    });
    const data = randomBytes(3 * 1024 * 1024 + 123);
    const file = join(dir, 'big.bin');
    writeFileSync(file, data);
    assert.equal(await c.uploadBlob({ path: file }, sha256(data), data.length), true);
    const back = await readAll(await c.fetchBlob(sha256(data)));
    assert.equal(back.length, data.length);
    assert.equal(sha256(back), sha256(data));
    // bytes sources chunk the same way
    const small = randomBytes(2 * 1024 * 1024);
    assert.equal(await c.uploadBlob({ bytes: small }, sha256(small), small.length), true);
    assert.equal(await c.blobExists(sha256(small)), true);
  });

  test('manifests by digest and tag; head, get, delete', async () => {
    const c = client(reg, 'org/app');
    const layer = randomBytes(100);
    const byDigest = await pushArtifact(c, layer);
    const head = await c.headManifest(byDigest.digest);
    assert.deepEqual(head, {
      digest: byDigest.digest,
      mediaType: MEDIA_TYPE.ociManifest,
      size: byDigest.size,
    });
    assert.equal(await c.headManifest('nope'), undefined);

    const tagged = await c.putManifest('v1.0.0', byDigest.bytes, MEDIA_TYPE.ociManifest);
    assert.equal(tagged, byDigest.digest);
    const got = await c.getManifest('v1.0.0');
    assert.deepEqual(got.bytes, byDigest.bytes);
    assert.equal(got.digest, byDigest.digest);
    assert.equal(got.mediaType, MEDIA_TYPE.ociManifest);
    assert.equal((await c.getManifest(byDigest.digest)).digest, byDigest.digest);
    await assert.rejects(c.getManifest('missing'), (err: unknown) => {
      assert.ok(err instanceof NotFoundError && err.code === 'MANIFEST_UNKNOWN', String(err));
      assert.equal(
        failureMessage(err),
        `${reg.host}/org/app:missing not found in the registry: check the repository and the tag or digest`,
      );
      return true;
    });
    assert.deepEqual(await c.listTags(), ['v1.0.0']);

    assert.equal(await c.deleteManifest(byDigest.digest), true);
    assert.equal(await c.headManifest(byDigest.digest), undefined);
    assert.equal(await c.headManifest('v1.0.0'), undefined);
    assert.equal(await c.deleteManifest(byDigest.digest), false);
  });

  test('tags of a repository that does not exist: none', async () => {
    assert.deepEqual(await client(reg, 'org/none').listTags(), []);
  });

  test('listTags returns every tag though distribution ignores n', async () => {
    const c = client(reg, 'org/many', { tagPageSize: 3 });
    const { bytes } = await pushArtifact(c, randomBytes(10));
    const want = Array.from({ length: 7 }, (_, i) => `t${i}`);
    for (const t of want) await c.putManifest(t, bytes, MEDIA_TYPE.ociManifest);
    assert.deepEqual((await c.listTags()).sort(), want);
  });

  test('referrers through the sha256-<hex> tag fallback', async () => {
    const c = client(reg, 'org/signed');
    const subject = await pushArtifact(c, randomBytes(50), 'latest');
    const a = await pushReferrer(c, subject, 'application/vnd.dev.sigstore.bundle.v0.3+json');
    const b = await pushReferrer(c, subject, 'application/vnd.example.sbom');
    const index = JSON.parse(
      (await c.getManifest(referrersTagFor(subject.digest))).bytes.toString(),
    );
    assert.equal(index.mediaType, MEDIA_TYPE.ociIndex);
    assert.deepEqual(
      index.manifests.map((d: Descriptor) => d.digest),
      [a.digest, b.digest],
    );
    const all = await c.listReferrers(subject.digest);
    assert.deepEqual(all.map((d) => d.digest).sort(), [a.digest, b.digest].sort());
    const bundles = await c.listReferrers(
      subject.digest,
      'application/vnd.dev.sigstore.bundle.v0.3+json',
    );
    assert.deepEqual(
      bundles.map((d) => d.digest),
      [a.digest],
    );
    assert.equal(
      bundles[0]?.annotations?.['org.opencontainers.image.created'],
      '2026-01-01T00:00:00Z',
    );
    // re-adding is idempotent
    await c.updateReferrersTag(subject.digest, {
      mediaType: MEDIA_TYPE.ociManifest,
      digest: a.digest,
      size: a.size,
    });
    assert.equal((await c.listReferrers(subject.digest)).length, 2);
    assert.deepEqual(await c.listReferrers(`sha256:${'0'.repeat(64)}`), []);
  });

  test('concurrent referrers-tag writers from separate clients keep every entry', async () => {
    const writer = client(reg, 'org/race');
    const subject = await pushArtifact(writer, randomBytes(20), 'latest');
    // Referrer manifests first (distribution checks that index entries exist), then race the tag.
    const entries: Descriptor[] = [];
    for (let i = 0; i < 6; i++) {
      const content = randomBytes(32);
      await writer.uploadBlob({ bytes: content }, sha256(content), content.length);
      const bytes = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: MEDIA_TYPE.ociManifest,
          artifactType: `application/vnd.example.t${i}`,
          config: { mediaType: MEDIA_TYPE.ociEmpty, digest: sha256(EMPTY), size: 2 },
          layers: [
            {
              mediaType: 'application/octet-stream',
              digest: sha256(content),
              size: content.length,
            },
          ],
          subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
        }),
      );
      const digest = await writer.putManifest(sha256(bytes), bytes, MEDIA_TYPE.ociManifest);
      entries.push({
        mediaType: MEDIA_TYPE.ociManifest,
        digest,
        size: bytes.length,
        artifactType: `application/vnd.example.t${i}`,
      });
    }
    await Promise.all(
      entries.map((e) => client(reg, 'org/race').updateReferrersTag(subject.digest, e)),
    );
    const listed = await writer.listReferrers(subject.digest);
    assert.deepEqual(listed.map((d) => d.digest).sort(), entries.map((e) => e.digest).sort());

    // and from one client (serialised in-process)
    const subject2 = await pushArtifact(writer, randomBytes(21), 'other');
    await Promise.all(entries.map((e) => writer.updateReferrersTag(subject2.digest, e)));
    assert.equal((await writer.listReferrers(subject2.digest)).length, entries.length);
  });
});

describe("go-containerregistry's registry (referrers API)", () => {
  let reg: TestRegistry;
  before(async () => {
    reg = await startRegistry({ referrers: true });
  });
  after(async () => {
    await reg.stop();
  });

  test('listTags pages with n and last', async () => {
    const c = client(reg, 'org/paged', { tagPageSize: 3 });
    const { bytes } = await pushArtifact(c, randomBytes(10));
    const want = Array.from({ length: 8 }, (_, i) => `v${i}`);
    for (const t of want) await c.putManifest(t, bytes, MEDIA_TYPE.ociManifest);
    assert.deepEqual(await c.listTags(), want);
  });

  test('referrers through the API, no fallback tag written', async () => {
    const c = client(reg, 'org/signed');
    const subject = await pushArtifact(c, randomBytes(50), 'latest');
    const a = await pushReferrer(c, subject, 'application/vnd.dev.sigstore.bundle.v0.3+json');
    const b = await pushReferrer(c, subject, 'application/vnd.example.sbom');
    const all = await c.listReferrers(subject.digest);
    assert.deepEqual(all.map((d) => d.digest).sort(), [a.digest, b.digest].sort());
    const bundles = await c.listReferrers(
      subject.digest,
      'application/vnd.dev.sigstore.bundle.v0.3+json',
    );
    assert.deepEqual(
      bundles.map((d) => d.digest),
      [a.digest],
    );
    assert.equal(bundles[0]?.artifactType, 'application/vnd.dev.sigstore.bundle.v0.3+json');
    assert.equal(await c.headManifest(referrersTagFor(subject.digest)), undefined);
  });
});
