// copy-to credentials (dist under Node 24): username/password belong to the source registry and
// apply to the destination only on that same registry; another registry's credentials come from
// the Docker config (what docker/login-action writes).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { RegistryClient } from '../../src/oci/client.js';
import { parseRepository } from '../../src/oci/reference.js';
import { runAction } from '../harness/action.js';
import { startRegistry, type TestRegistry } from '../harness/registry.js';
import { requireTools } from '../harness/tools.js';

describe('tag copy-to: credentials per registry', requireTools('node24'), () => {
  let src: TestRegistry;
  let dst: TestRegistry;
  let ws: string;
  let dockerConfig: string;
  let digest: string;
  const srcRepo = () => `${src.host}/org/app`;

  before(async () => {
    [src, dst] = await Promise.all([
      startRegistry({ auth: 'basic' }),
      startRegistry({ auth: 'basic' }),
    ]);
    assert.notEqual(src.password, dst.password);
    ws = mkdtempSync(join(tmpdir(), 'ws-'));
    mkdirSync(join(ws, 'deploy'));
    writeFileSync(join(ws, 'deploy', 'app.yaml'), 'kind: ConfigMap\n');
    dockerConfig = join(ws, 'docker');
    mkdirSync(dockerConfig);
    const auth = Buffer.from(`${dst.username}:${dst.password}`).toString('base64');
    writeFileSync(
      join(dockerConfig, 'config.json'),
      JSON.stringify({ auths: { [dst.host]: { auth } } }),
    );
    const pushed = await runAction('push', {
      inputs: {
        repository: srcRepo(),
        path: 'deploy',
        tags: 'latest',
        username: src.username ?? '',
        password: src.password ?? '',
      },
      event: { ref: 'refs/heads/main' },
      workspace: ws,
    });
    assert.equal(pushed.exitCode, 0, pushed.stdout + pushed.stderr);
    digest = pushed.outputs.digest ?? '';
  });
  after(async () => {
    await src?.stop();
    await dst?.stop();
    rmSync(ws, { recursive: true, force: true });
  });

  const copy = (copyTo: string, env: Record<string, string> = {}) =>
    runAction('tag', {
      inputs: {
        repository: srcRepo(),
        tags: 'prod',
        'copy-to': copyTo,
        username: src.username ?? '',
        password: src.password ?? '',
      },
      env,
      workspace: ws,
    });

  test('another registry: its Docker config entry, not the source credentials', async () => {
    const without = await copy(`${dst.host}/prod/app`);
    assert.equal(without.exitCode, 1, without.stdout);
    assert.equal(without.errors.length, 1, without.stdout);
    assert.ok(without.errors[0]?.includes(dst.host), without.errors[0]);
    assert.match(
      without.errors[0] ?? '',
      /^copy-to: .*\(401\); username\/password apply to .* only, so log in to/,
    );
    assert.ok(!without.stdout.replace(/::add-mask::.*\n/g, '').includes(src.password ?? 'x'));

    const r = await copy(`${dst.host}/prod/app`, { DOCKER_CONFIG: dockerConfig });
    assert.equal(r.exitCode, 0, r.stdout + r.stderr);
    assert.equal(r.outputs.digest, digest);
    const client = new RegistryClient(parseRepository(`${dst.host}/prod/app`), {
      username: dst.username ?? '',
      password: dst.password ?? '',
    });
    assert.equal((await client.headManifest('prod'))?.digest, digest);
  });

  test('same registry: the explicit credentials apply to copy-to too', async () => {
    const r = await copy(`${src.host}/prod/app`);
    assert.equal(r.exitCode, 0, r.stdout + r.stderr);
    const client = new RegistryClient(parseRepository(`${src.host}/prod/app`), {
      username: src.username ?? '',
      password: src.password ?? '',
    });
    assert.equal((await client.headManifest('prod'))?.digest, digest);
  });
});
