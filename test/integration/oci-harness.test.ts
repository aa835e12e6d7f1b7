// The registry harness itself: each kind starts, answers the way its auth mode demands, and stops.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startRegistry } from '../harness/registry.js';

const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;

test('distribution without auth answers /v2/ and stops', async () => {
  const reg = await startRegistry({ auth: 'none' });
  try {
    assert.match(reg.host, /^127\.0\.0\.1:\d+$/);
    const res = await fetch(`http://${reg.host}/v2/`);
    assert.equal(res.status, 200);
  } finally {
    await reg.stop();
  }
  await assert.rejects(fetch(`http://${reg.host}/v2/`));
});

test('distribution with htpasswd wants Basic and accepts the generated password', async () => {
  const reg = await startRegistry({ auth: 'basic' });
  try {
    const anon = await fetch(`http://${reg.host}/v2/`);
    assert.equal(anon.status, 401);
    assert.match(anon.headers.get('www-authenticate') ?? '', /^Basic realm=/);
    const ok = await fetch(`http://${reg.host}/v2/`, {
      headers: { authorization: basic(reg.username!, reg.password!) },
    });
    assert.equal(ok.status, 200);
    const bad = await fetch(`http://${reg.host}/v2/`, {
      headers: { authorization: basic(reg.username!, 'wrong') },
    });
    assert.equal(bad.status, 401);
  } finally {
    await reg.stop();
  }
});

test('distribution with token auth accepts our JWTs and enforces the granted scope', async () => {
  const reg = await startRegistry({
    auth: 'token',
    users: { reader: { password: 'read-only-pw', access: 'pull' } },
  });
  try {
    const anon = await fetch(`http://${reg.host}/v2/`);
    assert.equal(anon.status, 401);
    const challenge = anon.headers.get('www-authenticate') ?? '';
    assert.match(
      challenge,
      /^Bearer realm="http:\/\/127\.0\.0\.1:\d+\/token",service="test-registry"/,
    );

    const tokenFor = async (user: string, pass: string, scope: string) => {
      const url = `${reg.tokenServer!.realm}?service=test-registry&scope=${encodeURIComponent(scope)}`;
      const res = await fetch(url, { headers: { authorization: basic(user, pass) } });
      assert.equal(res.status, 200);
      return ((await res.json()) as { token: string }).token;
    };
    const writer = await tokenFor(reg.username!, reg.password!, 'repository:a/b:pull,push');
    const ping = await fetch(`http://${reg.host}/v2/`, {
      headers: { authorization: `Bearer ${writer}` },
    });
    assert.equal(ping.status, 200, reg.logs().slice(-1000));
    const upload = await fetch(`http://${reg.host}/v2/a/b/blobs/uploads/`, {
      method: 'POST',
      headers: { authorization: `Bearer ${writer}` },
    });
    assert.equal(upload.status, 202);

    const reader = await tokenFor('reader', 'read-only-pw', 'repository:a/b:pull,push');
    const denied = await fetch(`http://${reg.host}/v2/a/b/blobs/uploads/`, {
      method: 'POST',
      headers: { authorization: `Bearer ${reader}` },
    });
    assert.equal(denied.status, 401);
    assert.match(denied.headers.get('www-authenticate') ?? '', /insufficient_scope/);

    const wrong = await fetch(`${reg.tokenServer!.realm}?service=test-registry`, {
      headers: { authorization: basic(reg.username!, 'nope') },
    });
    assert.equal(wrong.status, 401);
  } finally {
    await reg.stop();
  }
});

test('the Go registry serves the OCI referrers API', async () => {
  const reg = await startRegistry({ referrers: true });
  try {
    // The referrers endpoint needs the repository to exist: push an empty-config manifest.
    const empty = 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a';
    const put = await fetch(`http://${reg.host}/v2/a/b/blobs/uploads/?digest=${empty}`, {
      method: 'POST',
      body: '{}',
    });
    assert.equal(put.status, 201);
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: empty, size: 2 },
      layers: [],
    });
    const m = await fetch(`http://${reg.host}/v2/a/b/manifests/v1`, {
      method: 'PUT',
      headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
      body: manifest,
    });
    assert.equal(m.status, 201);
    const res = await fetch(`http://${reg.host}/v2/a/b/referrers/sha256:${'0'.repeat(64)}`);
    assert.equal(res.status, 200);
    const index = (await res.json()) as { mediaType: string; manifests: unknown[] };
    assert.equal(index.mediaType, 'application/vnd.oci.image.index.v1+json');
    assert.deepEqual(index.manifests, []);
  } finally {
    await reg.stop();
  }
});

test('the Go registry with Basic auth rejects anonymous requests', async () => {
  const reg = await startRegistry({ referrers: true, auth: 'basic' });
  try {
    assert.equal((await fetch(`http://${reg.host}/v2/`)).status, 401);
    const ok = await fetch(`http://${reg.host}/v2/`, {
      headers: { authorization: basic(reg.username!, reg.password!) },
    });
    assert.equal(ok.status, 200);
  } finally {
    await reg.stop();
  }
});
