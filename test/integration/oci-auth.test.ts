// Authentication against real registries: htpasswd Basic (distribution and ggcr's registry) and
// token auth (distribution + our token server), including the user-facing failures.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { failureInput, failureMessage } from '../../src/github/errors.js';
import { RegistryClient, type RegistryClientOptions } from '../../src/oci/client.js';
import { OciError, RegistryAuthError } from '../../src/oci/errors.js';
import { parseRepository } from '../../src/oci/reference.js';
import { MEDIA_TYPE } from '../../src/oci/types.js';
import { UserError } from '../../src/util/errors.js';
import { startRegistry, type TestRegistry } from '../harness/registry.js';

const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const EMPTY = Buffer.from('{}');

function client(reg: TestRegistry, path: string, options: RegistryClientOptions = {}) {
  return new RegistryClient(parseRepository(`${reg.host}/${path}`), {
    retry: { baseDelayMs: 10, maxAttempts: 3 },
    ignoreDockerConfig: true,
    ...options,
  });
}

async function push(c: RegistryClient, tag: string) {
  const layer = randomBytes(256);
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
    }),
  );
  return { digest: await c.putManifest(tag, bytes, MEDIA_TYPE.ociManifest), layer };
}

function isUserError(input: string, message: string | RegExp) {
  return (err: unknown) => {
    // A credential failure is data (RegistryAuthError); src/github words it and names the input.
    assert.ok(
      err instanceof UserError || err instanceof OciError || err instanceof RegistryAuthError,
      `expected a worded or credential error, got ${String(err)}`,
    );
    assert.equal(failureInput(err), input);
    const line = failureMessage(err) ?? '';
    if (typeof message === 'string') assert.equal(line, message);
    else assert.match(line, message);
    return true;
  };
}

for (const referrers of [false, true]) {
  describe(`Basic auth (${referrers ? "ggcr's registry" : 'distribution htpasswd'})`, () => {
    let reg: TestRegistry;
    before(async () => {
      reg = await startRegistry({ auth: 'basic', referrers });
    });
    after(async () => {
      await reg.stop();
    });

    test('the right username/password pushes and pulls', async () => {
      const c = client(reg, 'org/app', { username: reg.username!, password: reg.password! });
      const { digest } = await push(c, 'v1');
      assert.equal((await c.headManifest('v1'))?.digest, digest);
      assert.deepEqual(await c.listTags(), ['v1']);
    });

    test('a wrong password fails with the clear message and writes nothing', async () => {
      const masked: string[] = [];
      const bad = client(reg, 'org/bad', {
        username: reg.username!,
        password: 'wrong-password',
        mask: (s) => masked.push(s),
      });
      await assert.rejects(
        push(bad, 'v1'),
        isUserError(
          'password',
          `registry ${reg.host} rejected the username/password (401): check username/password`,
        ),
      );
      assert.deepEqual(masked, ['wrong-password']);
      const good = client(reg, 'org/bad', { username: reg.username!, password: reg.password! });
      assert.equal(await good.headManifest('v1'), undefined);
      assert.deepEqual(await good.listTags(), []);
    });

    test('anonymous is told to log in', async () => {
      await assert.rejects(
        client(reg, 'org/app').listTags(),
        isUserError(
          'username',
          `registry ${reg.host} needs credentials to pull from ${reg.host}/org/app (401): set username/password or docker login`,
        ),
      );
    });
  });
}

describe('token auth (distribution + token server)', () => {
  let reg: TestRegistry;
  let dir: string;
  before(async () => {
    reg = await startRegistry({
      auth: 'token',
      users: { reader: { password: 'reader-pw', access: 'pull' } },
    });
    dir = mkdtempSync(join(tmpdir(), 'oci-auth-'));
  });
  after(async () => {
    await reg.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('username/password: tokens are fetched once per scope and reused', async () => {
    const before = reg.tokenServer!.requests.length;
    const masked: string[] = [];
    const c = client(reg, 'org/app', {
      username: reg.username!,
      password: reg.password!,
      mask: (s) => masked.push(s),
    });
    const { digest, layer } = await push(c, 'v1');
    assert.equal((await c.headManifest('v1'))?.digest, digest);
    const chunks: Buffer[] = [];
    for await (const ch of await c.fetchBlob(sha256(layer))) chunks.push(ch as Buffer);
    assert.deepEqual(Buffer.concat(chunks), layer);
    const requests = reg.tokenServer!.requests.slice(before);
    // one pull token (first HEAD), one pull,push token (first upload session, opened with
    // that HEAD: either may be asked first); reads reuse the push token
    assert.deepEqual(requests.map((r) => [r.method, r.user, r.scopes.join(' '), r.status]).sort(), [
      ['GET', 'tester', 'repository:org/app:pull', 200],
      ['GET', 'tester', 'repository:org/app:pull,push', 200],
    ]);
    assert.ok(masked.includes(reg.password!));
    assert.equal(masked.length, 3, 'the password and both tokens are masked');
  });

  test('identitytoken from the Docker config is exchanged with the refresh_token POST', async () => {
    const refresh = reg.tokenServer!.issueRefreshToken(reg.username!);
    const config = join(dir, 'config.json');
    writeFileSync(
      config,
      JSON.stringify({
        auths: {
          [reg.host]: {
            auth: Buffer.from(`${reg.username}:`).toString('base64'),
            identitytoken: refresh,
          },
        },
      }),
    );
    const before = reg.tokenServer!.requests.length;
    const c = new RegistryClient(parseRepository(`${reg.host}/org/idtoken`), {
      dockerConfig: config,
    });
    await push(c, 'v1');
    const requests = reg.tokenServer!.requests.slice(before);
    assert.ok(requests.length > 0);
    for (const r of requests) {
      assert.equal(r.method, 'POST');
      assert.equal(r.grantType, 'refresh_token');
      assert.equal(r.user, reg.username);
    }
    assert.deepEqual(await c.listTags(), ['v1']);
  });

  test('a wrong password: clear message, nothing written', async () => {
    const bad = client(reg, 'org/wrong', { username: reg.username!, password: 'nope' });
    await assert.rejects(
      push(bad, 'v1'),
      isUserError(
        'password',
        `registry ${reg.host} rejected the username/password (401): check username/password`,
      ),
    );
    const good = client(reg, 'org/wrong', { username: reg.username!, password: reg.password! });
    assert.deepEqual(await good.listTags(), []);
  });

  test('a read-only user can pull but its push is refused with a clear message', async () => {
    const writer = client(reg, 'org/ro', { username: reg.username!, password: reg.password! });
    const { digest } = await push(writer, 'v1');
    const reader = client(reg, 'org/ro', { username: 'reader', password: 'reader-pw' });
    assert.equal((await reader.headManifest('v1'))?.digest, digest);
    await assert.rejects(
      push(reader, 'v2'),
      isUserError(
        'password',
        `registry ${reg.host} denied access to push to ${reg.host}/org/ro: use credentials with push access to this repository (check username/password or docker login)`,
      ),
    );
    assert.deepEqual(await writer.listTags(), ['v1']);
  });

  test('the GitHub token is named when the registry refuses it', async () => {
    const c = client(reg, 'org/gh', {
      githubToken: 'not-a-valid-token',
      githubTokenRegistries: [reg.host],
    });
    await assert.rejects(
      c.listTags(),
      isUserError(
        'github-token',
        `registry ${reg.host} rejected the github-token (401): check github-token, or set username/password`,
      ),
    );
  });

  test('anonymous without anonymous access is told to log in', async () => {
    await assert.rejects(
      client(reg, 'org/app').listTags(),
      isUserError(
        'username',
        /needs credentials to pull from .*\/org\/app \(401\): set username\/password or docker login$/,
      ),
    );
  });
});

describe('token auth with anonymous pull', () => {
  let reg: TestRegistry;
  before(async () => {
    reg = await startRegistry({ auth: 'token', anonymous: 'pull' });
  });
  after(async () => {
    await reg.stop();
  });

  test('anonymous pulls with an anonymous token, and cannot push', async () => {
    const writer = client(reg, 'org/public', { username: reg.username!, password: reg.password! });
    const { digest } = await push(writer, 'v1');
    const anon = client(reg, 'org/public');
    assert.equal((await anon.headManifest('v1'))?.digest, digest);
    await assert.rejects(push(anon, 'v2'), isUserError('username', /needs credentials to push to/));
    const anonTokens = reg.tokenServer!.requests.filter((r) => r.user === undefined);
    assert.ok(anonTokens.length >= 1);
  });
});
