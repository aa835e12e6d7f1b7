// RegistryClient paths that the real test registries do not exercise, against small node:http
// servers: chunk resume after a failed PATCH, OCI-Chunk-Min-Length, digest mismatches, Link
// pagination, OCI-Subject, and If-Match on the referrers tag.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import { RegistryClient } from '../../src/oci/client.js';
import { RegistryNetworkError } from '../../src/oci/errors.js';
import { nextLink } from '../../src/oci/pagination.js';
import { parseRepository } from '../../src/oci/reference.js';
import { MEDIA_TYPE } from '../../src/oci/types.js';

type Handler = (req: IncomingMessage, res: ServerResponse, body: Buffer) => void;
const servers: Server[] = [];
const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

async function fake(handler: Handler) {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      hits.push(`${req.method} ${req.url}`);
      handler(req, res, Buffer.concat(chunks));
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = (opts: ConstructorParameters<typeof RegistryClient>[1] = {}) =>
    new RegistryClient(parseRepository(`${host}/a/b`), {
      retry: { baseDelayMs: 5, maxAttempts: 4 },
      credentials: { kind: 'anonymous', source: 'anonymous' },
      ...opts,
    });
  return { hits, client };
}

after(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

test('Link header parsing', () => {
  assert.equal(nextLink('</v2/a/tags/list?n=2&last=b>; rel="next"'), '/v2/a/tags/list?n=2&last=b');
  assert.equal(nextLink('<https://x/p2>; rel=next'), 'https://x/p2');
  assert.equal(nextLink('<https://x/p0>; rel="prev", <https://x/p2>; rel="next"'), 'https://x/p2');
  assert.equal(nextLink('<https://x/p0>; rel="prev"'), undefined);
  assert.equal(nextLink(undefined), undefined);
});

test('chunked upload honours OCI-Chunk-Min-Length and resumes after a failed PATCH', async () => {
  const data = randomBytes(1000);
  let received = Buffer.alloc(0);
  let patches = 0;
  const ranges: string[] = [];
  const { client, hits } = await fake((req, res, body) => {
    const url = new URL(req.url ?? '', 'http://x');
    if (req.method === 'HEAD') return res.writeHead(404).end();
    if (req.method === 'POST') {
      return res
        .writeHead(202, { location: '/upload/1?state=0', 'oci-chunk-min-length': '300' })
        .end();
    }
    if (req.method === 'PATCH') {
      patches++;
      ranges.push(String(req.headers['content-range']));
      const [start] = String(req.headers['content-range']).split('-').map(Number);
      if (start !== received.length) return res.writeHead(416).end();
      // the second PATCH is half-applied, then fails
      if (patches === 2) {
        received = Buffer.concat([received, body.subarray(0, 100)]);
        return res.writeHead(503).end();
      }
      received = Buffer.concat([received, body]);
      return res
        .writeHead(202, {
          location: `/upload/1?state=${received.length}`,
          range: `0-${received.length - 1}`,
        })
        .end();
    }
    if (req.method === 'GET' && url.pathname === '/upload/1') {
      return res
        .writeHead(204, { location: '/upload/1?state=status', range: `0-${received.length - 1}` })
        .end();
    }
    if (req.method === 'PUT') {
      assert.equal(url.searchParams.get('digest'), sha256(data));
      assert.equal(body.length, 0);
      return res.writeHead(201, { 'docker-content-digest': sha256(received) }).end();
    }
    res.writeHead(500).end();
  });
  const c = client({ chunkThreshold: 10, chunkSize: 100 });
  assert.equal(await c.uploadBlob({ bytes: data }, sha256(data), data.length), true);
  assert.deepEqual(received, data);
  // chunks of 300 (the registry's minimum), the second one resumed from byte 400
  assert.deepEqual(ranges, ['0-299', '300-599', '400-699', '700-999']);
  assert.ok(hits.includes('GET /upload/1?state=300'));
});

test('uploadBlob: the HEAD and the upload session go out at once; a blob the registry has is not sent', async () => {
  const data = randomBytes(100);
  let stored = false;
  // HEAD is answered only once the POST has arrived: a client that waits for the HEAD before
  // opening the session would hang here (the test then fails on its timeout).
  let postSeen: () => void = () => {};
  const posted = new Promise<void>((r) => {
    postSeen = r;
  });
  const { client, hits } = await fake((req, res) => {
    if (req.method === 'HEAD') {
      void posted.then(() => res.writeHead(stored ? 200 : 404).end());
      return;
    }
    if (req.method === 'POST') {
      postSeen();
      return res.writeHead(202, { location: '/upload/1' }).end();
    }
    if (req.method === 'PUT') {
      stored = true;
      return res.writeHead(201, { 'docker-content-digest': sha256(data) }).end();
    }
    res.writeHead(500).end();
  });
  const c = client();
  assert.equal(await c.uploadBlob({ bytes: data }, sha256(data), data.length), true);
  assert.deepEqual(hits.map((h) => h.split(' ')[0]).sort(), ['HEAD', 'POST', 'PUT']);
  hits.length = 0;
  // Stored now: the HEAD says so, the session opened with it is left unused, nothing is PUT.
  assert.equal(await c.uploadBlob({ bytes: data }, sha256(data), data.length), false);
  assert.deepEqual(hits.map((h) => h.split(' ')[0]).sort(), ['HEAD', 'POST']);
});

test('uploadBlob: every session refused with 500 ends in one error saying how often it tried', async () => {
  const data = randomBytes(10);
  const { client, hits } = await fake((req, res) => {
    if (req.method === 'HEAD') return res.writeHead(404).end();
    if (req.method === 'POST') return res.writeHead(202, { location: '/upload/1' }).end();
    res
      .writeHead(500, { 'content-type': 'application/json' })
      .end('{"errors":[{"code":"UNAVAILABLE","message":"busy"}]}');
  });
  const err = await client()
    .uploadBlob({ bytes: data }, sha256(data), data.length)
    .catch((e: unknown) => e);
  assert.ok(err instanceof RegistryNetworkError, String(err));
  assert.equal(err.data.failure, 'status');
  assert.equal(err.data.status, 500);
  assert.equal(err.data.attempts, 4);
  assert.match(err.message, /upload blob sha256:[0-9a-f]{64}: answered 500, after 4 attempts/);
  assert.equal(hits.filter((h) => h.startsWith('PUT')).length, 4);
});

test('uploadBlob: a blob the registry has is not failed by a session it could not open', async () => {
  const data = randomBytes(10);
  const { client, hits } = await fake((req, res) => {
    if (req.method === 'HEAD') return res.writeHead(200).end();
    // Retry-After: a client that waited for this session through its retries would take 30 s.
    if (req.method === 'POST') return res.writeHead(503, { 'retry-after': '30' }).end();
    res.writeHead(500).end();
  });
  const t = performance.now();
  assert.equal(await client().uploadBlob({ bytes: data }, sha256(data), data.length), false);
  assert.ok(hits.includes('HEAD /v2/a/b/blobs/' + sha256(data)));
  assert.ok(!hits.some((h) => h.startsWith('PUT')));
  assert.ok(
    performance.now() - t < 5_000,
    'the unused session is not waited for through its retries',
  );
});

test('fetchBlob fails on a digest mismatch', async () => {
  const { client } = await fake((_req, res) => res.writeHead(200).end('tampered'));
  const stream = await client().fetchBlob(sha256(Buffer.from('original')));
  await assert.rejects(
    (async () => {
      for await (const _ of stream) {
        // drain
      }
    })(),
    new RegExp(`from the registry has digest ${sha256(Buffer.from('tampered'))}`),
  );
});

test('fetchBlob: a consumer that gives up closes the download (no socket keeps the step alive)', async () => {
  // An endless body: only destroying the HTTP response ends this request. A body left paused
  // kept the registry socket, and so the finished `pull` process, alive (CI: PAX bomb, 60 s).
  let closed!: () => void;
  const gone = new Promise<void>((r) => {
    closed = r;
  });
  let served = 0;
  const { client } = await fake((_req, res) => {
    res.writeHead(200);
    res.on('close', () => closed());
    const chunk = Buffer.alloc(64 * 1024, 1);
    const pump = () => {
      while (!res.destroyed && served < 1024 * 1024 * 1024) {
        served += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
    };
    pump();
  });
  const stream = await client().fetchBlob(sha256(Buffer.from('whatever')));
  for await (const _ of stream) break; // one chunk, then the consumer gives up
  const timeout = new Promise<string>((r) => setTimeout(() => r('open'), 5000).unref());
  assert.equal(await Promise.race([gone.then(() => 'closed'), timeout]), 'closed');
  assert.ok(served < 256 * 1024 * 1024, `read on after giving up: ${served} bytes served`);
});

test('fetchBlob: destroyed mid-stream by a pipeline that failed downstream, the download stops', async () => {
  let closed!: () => void;
  const gone = new Promise<void>((r) => {
    closed = r;
  });
  const { client } = await fake((_req, res) => {
    res.writeHead(200);
    res.on('close', () => closed());
    const t = setInterval(() => res.write(Buffer.alloc(16 * 1024)), 5);
    res.on('close', () => clearInterval(t));
  });
  const stream = await client().fetchBlob(sha256(Buffer.from('whatever')));
  stream.once('data', () => stream.destroy(new Error('size cap')));
  const failed = await new Promise((r) => stream.on('error', r));
  assert.match(String(failed), /size cap/);
  const timeout = new Promise<string>((r) => setTimeout(() => r('open'), 5000).unref());
  assert.equal(await Promise.race([gone.then(() => 'closed'), timeout]), 'closed');
});

test('getManifest by digest verifies the bytes; by tag computes the digest', async () => {
  const good = Buffer.from(
    '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json"}',
  );
  const { client } = await fake((req, res) => {
    res
      .writeHead(200, { 'content-type': MEDIA_TYPE.ociManifest })
      .end(req.url?.endsWith('bad') ? '{}' : good);
  });
  const c = client();
  const byTag = await c.getManifest('v1');
  assert.equal(byTag.digest, sha256(good));
  assert.equal(byTag.mediaType, MEDIA_TYPE.ociManifest);
  await assert.rejects(c.getManifest(sha256(Buffer.from('other'))), /from the registry has digest/);
});

test('putManifest checks Docker-Content-Digest', async () => {
  const { client } = await fake((_req, res) => {
    res.writeHead(201, { 'docker-content-digest': sha256(Buffer.from('x')) }).end();
  });
  await assert.rejects(
    client().putManifest('v1', Buffer.from('{}'), MEDIA_TYPE.ociManifest),
    /registry stored digest/,
  );
});

test('tags and referrers follow Link pagination', async () => {
  const d = (n: number) => ({
    mediaType: MEDIA_TYPE.ociManifest,
    digest: `sha256:${String(n).repeat(64)}`,
    size: 1,
    artifactType: 'x/y',
  });
  const { client, hits } = await fake((req, res) => {
    const url = new URL(req.url ?? '', 'http://x');
    if (url.pathname.endsWith('/tags/list')) {
      const last = url.searchParams.get('last');
      const page = last === null ? ['a', 'b'] : last === 'b' ? ['c', 'd'] : ['e'];
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (page.length === 2) headers.link = `</v2/a/b/tags/list?n=2&last=${page[1]}>; rel="next"`;
      return res.writeHead(200, headers).end(JSON.stringify({ name: 'a/b', tags: page }));
    }
    if (url.pathname.includes('/referrers/')) {
      const second = url.searchParams.get('page') === '2';
      const headers: Record<string, string> = {
        'content-type': MEDIA_TYPE.ociIndex,
        'oci-filters-applied': 'artifactType',
      };
      if (!second) headers.link = `<${url.pathname}?artifactType=x%2Fy&page=2>; rel="next"`;
      const manifests = second ? [d(3)] : [d(1), d(2)];
      return res.writeHead(200, headers).end(JSON.stringify({ schemaVersion: 2, manifests }));
    }
    res.writeHead(404).end();
  });
  const c = client({ tagPageSize: 2 });
  assert.deepEqual(await c.listTags(), ['a', 'b', 'c', 'd', 'e']);
  const refs = await c.listReferrers(`sha256:${'f'.repeat(64)}`, 'x/y');
  assert.deepEqual(
    refs.map((r) => r.digest),
    [d(1).digest, d(2).digest, d(3).digest],
  );
  assert.ok(hits.some((h) => h.includes(`/referrers/sha256:${'f'.repeat(64)}?artifactType=x%2Fy`)));
});

test('putReferrer: OCI-Subject means no fallback tag; otherwise If-Match guards the tag', async () => {
  const subject = { digest: `sha256:${'1'.repeat(64)}` };
  const referrer = referrerOf(subject.digest).bytes;
  const tagPath = `/v2/a/b/manifests/sha256-${'1'.repeat(64)}`;

  const withSubject = await fake((req, res) => {
    if (req.method === 'PUT') return res.writeHead(201, { 'oci-subject': subject.digest }).end();
    res.writeHead(404).end();
  });
  assert.equal(await withSubject.client().putReferrer(referrer), sha256(referrer));
  // The tag's first read may go out with the referrer's PUT; nothing is written to it.
  assert.ok(!withSubject.hits.some((h) => h.startsWith('PUT') && h.includes('sha256-')));

  // A registry that honours If-Match: the first PUT (our probe, an If-Match no ETag can equal)
  // gets 412; then another writer gets in between our read and our conditional PUT (412 again).
  let stored = { schemaVersion: 2, mediaType: MEDIA_TYPE.ociIndex, manifests: [] as unknown[] };
  let version = 1;
  let sneaked = false;
  const ifMatch: string[] = [];
  const fallback = await fake((req, res, body) => {
    if (req.url?.includes('/referrers/')) return res.writeHead(404).end();
    if (req.method === 'PUT' && req.url === tagPath) {
      ifMatch.push(String(req.headers['if-match']));
      if (req.headers['if-match'] === `"v${version}"` && !sneaked) {
        sneaked = true;
        stored = {
          ...stored,
          manifests: [
            { mediaType: MEDIA_TYPE.ociManifest, digest: `sha256:${'9'.repeat(64)}`, size: 5 },
          ],
        };
        version++;
      }
      if (req.headers['if-match'] !== `"v${version}"`) return res.writeHead(412).end();
      stored = JSON.parse(body.toString());
      version++;
      return res.writeHead(201).end();
    }
    if (req.method === 'PUT') return res.writeHead(201).end();
    if (req.method === 'GET' && req.url === tagPath) {
      return res
        .writeHead(200, { 'content-type': MEDIA_TYPE.ociIndex, etag: `"v${version}"` })
        .end(JSON.stringify(stored));
    }
    res.writeHead(404).end();
  });
  await fallback.client().putReferrer(referrer);
  assert.deepEqual(ifMatch, ['"flux-oci-action-conditional-write-probe"', '"v1"', '"v2"']);
  assert.deepEqual(
    (stored.manifests as Array<{ digest: string; artifactType?: string }>).map((m) => [
      m.digest,
      m.artifactType,
    ]),
    [
      [`sha256:${'9'.repeat(64)}`, undefined],
      [sha256(referrer), 'application/vnd.example'],
    ],
  );
});

test('a manifest PUT answered 400 DIGEST_INVALID/BLOB_UNKNOWN while another client links the same blob is retried, boundedly', async () => {
  const manifest = Buffer.from('{"schemaVersion":2}');
  let puts = 0;
  const { client } = await fake((req, res) => {
    if (req.method === 'PUT') {
      puts++;
      if (puts === 1) {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(
          '{"errors":[{"code":"DIGEST_INVALID","message":"provided digest did not match uploaded content"}]}',
        );
        return;
      }
      res.writeHead(201, { 'docker-content-digest': sha256(manifest) }).end();
      return;
    }
    res.writeHead(404).end();
  });
  assert.equal(
    await client().putManifest('v1', manifest, MEDIA_TYPE.ociManifest),
    sha256(manifest),
  );
  assert.equal(puts, 2);

  let always = 0;
  const { client: broken } = await fake((_req, res) => {
    always++;
    res.writeHead(400, { 'content-type': 'application/json' });
    res.end('{"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown to registry"}]}');
  });
  await assert.rejects(
    broken().putManifest('v1', manifest, MEDIA_TYPE.ociManifest),
    /BLOB_UNKNOWN/,
  );
  assert.equal(always, 4, 'gives up after a bounded number of attempts');

  let other = 0;
  const { client: invalid } = await fake((_req, res) => {
    other++;
    res.writeHead(400, { 'content-type': 'application/json' });
    res.end('{"errors":[{"code":"MANIFEST_INVALID","message":"manifest invalid"}]}');
  });
  await assert.rejects(
    invalid().putManifest('v1', manifest, MEDIA_TYPE.ociManifest),
    /MANIFEST_INVALID/,
  );
  assert.equal(other, 1, 'other 400s are not retried');
});

test('putManifestOnce: one PUT on the wire; 503 + Retry-After → retry, 412 → conflict, condition headers sent', async () => {
  const answers = [503, 412, 201];
  const seen: { ifMatch?: string; ifNoneMatch?: string }[] = [];
  const { client, hits } = await fake((req, res) => {
    seen.push({
      ...(req.headers['if-match'] ? { ifMatch: String(req.headers['if-match']) } : {}),
      ...(req.headers['if-none-match']
        ? { ifNoneMatch: String(req.headers['if-none-match']) }
        : {}),
    });
    const status = answers.shift() ?? 500;
    res.writeHead(status, status === 503 ? { 'retry-after': '2' } : {}).end();
  });
  const c = client();
  const bytes = Buffer.from('{"schemaVersion":2}');
  assert.deepEqual(await c.putManifestOnce('t', bytes, MEDIA_TYPE.ociManifest, {}), {
    kind: 'retry',
    reason: 'PUT manifest t: registry answered 503',
    retryAfterMs: 2000,
  });
  assert.deepEqual(
    await c.putManifestOnce('t', bytes, MEDIA_TYPE.ociManifest, { ifMatch: '"e1"' }),
    { kind: 'conflict' },
  );
  assert.deepEqual(
    await c.putManifestOnce('t', bytes, MEDIA_TYPE.ociManifest, { ifNoneMatch: '*' }),
    { kind: 'written', digest: sha256(bytes) },
  );
  assert.equal(hits.filter((h) => h.startsWith('PUT')).length, 3, 'never re-sent by the transport');
  assert.deepEqual(seen, [{}, { ifMatch: '"e1"' }, { ifNoneMatch: '*' }]);
});

/** Stores manifest PUTs and serves them back (the referrers tag's read-back needs it). */
function manifestStore() {
  const kept = new Map<string, Buffer>();
  return (req: IncomingMessage, res: ServerResponse, body: Buffer): boolean => {
    const url = req.url ?? '';
    if (!url.includes('/manifests/')) return false;
    if (req.method === 'PUT') {
      kept.set(url, body);
      res.writeHead(201).end();
      return true;
    }
    const got = kept.get(url);
    if (req.method === 'GET' && got) {
      res.writeHead(200, { 'content-type': MEDIA_TYPE.ociIndex }).end(got);
      return true;
    }
    if (req.method === 'HEAD' && got) {
      res.writeHead(200, { 'docker-content-digest': sha256(got) }).end();
      return true;
    }
    return false;
  };
}

/** A referrer of `subject` and a gate standing for "the subject's manifest is stored". */
function referrerOf(subjectDigest: string) {
  const bytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA_TYPE.ociManifest,
      artifactType: 'application/vnd.example',
      config: { mediaType: MEDIA_TYPE.ociEmpty, digest: sha256(Buffer.from('{}')), size: 2 },
      layers: [],
      subject: { mediaType: MEDIA_TYPE.ociManifest, digest: subjectDigest, size: 10 },
    }),
  );
  let open: () => void = () => {};
  let fail: (e: Error) => void = () => {};
  const stored = new Promise<void>((resolve, reject) => {
    open = resolve;
    fail = reject;
  });
  stored.catch(() => {});
  return { bytes, stored, open, fail };
}

test('putReferrer while the subject is stored: with the referrers API nothing before it; without, the referrer by digest at once and the tag after', async () => {
  const subjectDigest = `sha256:${'2'.repeat(64)}`;
  const tagPath = `/v2/a/b/manifests/sha256-${'2'.repeat(64)}`;
  for (const api of [true, false]) {
    const r = referrerOf(subjectDigest);
    const serve = manifestStore();
    const { hits, client } = await fake((req, res, body) => {
      if (req.url?.includes('/referrers/')) {
        if (!api) return res.writeHead(404).end();
        return res
          .writeHead(200, { 'content-type': MEDIA_TYPE.ociIndex })
          .end('{"schemaVersion":2,"manifests":[]}');
      }
      if (serve(req, res, body)) return;
      res.writeHead(404).end();
    });
    const c = client();
    const done = c.putReferrer(r.bytes, MEDIA_TYPE.ociManifest, r.stored);
    await new Promise((go) => setTimeout(go, 150));
    const before = hits.filter((h) => h.startsWith('PUT'));
    assert.deepEqual(before, api ? [] : [`PUT /v2/a/b/manifests/${sha256(r.bytes)}`], `api ${api}`);
    r.open();
    assert.equal(await done, sha256(r.bytes));
    const tagPuts = hits.filter((h) => h === `PUT ${tagPath}`);
    assert.equal(tagPuts.length, api ? 0 : 1, hits.join('\n'));
  }
});

test('putReferrer: a subject not stored after all writes no tag and fails with its error; a registry refusing an early subject gets the PUT again after it', async () => {
  const subjectDigest = `sha256:${'3'.repeat(64)}`;
  const failed = referrerOf(subjectDigest);
  const serveOne = manifestStore();
  const one = await fake((req, res, body) => {
    if (serveOne(req, res, body)) return;
    res.writeHead(404).end();
  });
  const rejected = one.client().putReferrer(failed.bytes, MEDIA_TYPE.ociManifest, failed.stored);
  setTimeout(() => failed.fail(new Error('artifact manifest PUT failed')), 50);
  await assert.rejects(rejected, /artifact manifest PUT failed/);
  assert.ok(
    !one.hits.some((h) => h.startsWith('PUT') && h.includes('sha256-')),
    one.hits.join('\n'),
  );

  const refused = referrerOf(subjectDigest);
  let subjectStored = false;
  const puts: boolean[] = [];
  const serveTwo = manifestStore();
  const two = await fake((req, res, body) => {
    if (req.method === 'PUT' && req.url?.includes('/manifests/sha256:')) {
      puts.push(subjectStored);
      if (!subjectStored) {
        res.writeHead(404, { 'content-type': 'application/json' });
        return res.end('{"errors":[{"code":"MANIFEST_UNKNOWN","message":"subject unknown"}]}');
      }
      return res.writeHead(201).end();
    }
    if (serveTwo(req, res, body)) return;
    res.writeHead(404).end();
  });
  const done = two.client().putReferrer(refused.bytes, MEDIA_TYPE.ociManifest, refused.stored);
  setTimeout(() => {
    subjectStored = true;
    refused.open();
  }, 80);
  assert.equal(await done, sha256(refused.bytes));
  assert.deepEqual(puts, [false, true]);
});

test('openUpload: the session is opened before the blob exists, and only the PUT waits for it; settled unused, nothing is PUT', async () => {
  const data = randomBytes(64);
  const { client, hits } = await fake((req, res) => {
    if (req.method === 'POST') return res.writeHead(202, { location: '/upload/7' }).end();
    if (req.method === 'PUT')
      return res.writeHead(201, { 'docker-content-digest': sha256(data) }).end();
    res.writeHead(500).end();
  });
  const c = client();
  const pending = c.openUpload('the signature bundle blob');
  // The blob is made later (a signature waiting for its Rekor entry): the POST is already out.
  for (let i = 0; i < 50 && hits.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
  assert.deepEqual(hits, ['POST /v2/a/b/blobs/uploads/']);
  assert.equal(await pending.upload({ bytes: data }, sha256(data), data.length), true);
  await pending.settle();
  assert.deepEqual(
    hits.map((h) => h.split('?')[0]),
    ['POST /v2/a/b/blobs/uploads/', 'PUT /upload/7'],
  );
  hits.length = 0;
  const unused = c.openUpload('the signature bundle blob');
  await unused.settle();
  assert.ok(
    hits.every((h) => h.startsWith('POST')),
    hits.join('\n'),
  );
});
