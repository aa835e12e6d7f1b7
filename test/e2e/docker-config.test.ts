// Credentials the way docker/login-action and cloud login actions leave them: the bundled push
// finds them in $DOCKER_CONFIG/config.json (auths, or a credsStore helper run through
// @actions/exec) with no username/password inputs, and never prints them.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runAction } from '../harness/action.js';
import { startRegistry, type TestRegistry } from '../harness/registry.js';
import { requireTools } from '../harness/tools.js';

describe('credentials from the Docker config', requireTools('node24'), () => {
  let registry: TestRegistry;
  let ws: string;

  before(async () => {
    registry = await startRegistry({ auth: 'basic' });
    ws = mkdtempSync(join(tmpdir(), 'ws-'));
    mkdirSync(join(ws, 'deploy'));
    writeFileSync(join(ws, 'deploy', 'app.yaml'), 'kind: ConfigMap\n');
  });
  after(async () => {
    await registry?.stop();
    rmSync(ws, { recursive: true, force: true });
  });

  const push = (dockerConfig: string, extraPath = '') =>
    runAction('push', {
      inputs: { repository: `${registry.host}/org/from-config`, path: 'deploy', tags: 'cfg' },
      env: { DOCKER_CONFIG: dockerConfig, PATH: `${extraPath}:${process.env.PATH ?? ''}` },
      event: { ref: 'refs/heads/main' },
      workspace: ws,
    });

  test('auths entry (what docker/login-action writes)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'docker-'));
    const auth = Buffer.from(`${registry.username}:${registry.password}`).toString('base64');
    writeFileSync(
      join(dir, 'config.json'),
      JSON.stringify({ auths: { [registry.host]: { auth } } }),
    );
    const r = await push(dir);
    assert.equal(r.exitCode, 0, r.stdout + r.stderr);
    const visible = r.stdout.replace(/::add-mask::.*\n/g, '');
    assert.ok(!visible.includes(registry.password ?? 'x') && !visible.includes(auth));
  });

  test('credsStore helper run through @actions/exec', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'docker-'));
    const bin = mkdtempSync(join(tmpdir(), 'helper-'));
    const log = join(bin, 'calls');
    // A docker-credential helper per the protocol: `get` reads the server URL on stdin.
    writeFileSync(
      join(bin, 'docker-credential-e2e'),
      `#!/bin/sh\n[ "$1" = get ] || exit 1\nread server\necho "$server" >> ${log}\nprintf '{"ServerURL":"%s","Username":"%s","Secret":"%s"}' "$server" '${registry.username}' '${registry.password}'\n`,
    );
    chmodSync(join(bin, 'docker-credential-e2e'), 0o755);
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ credsStore: 'e2e' }));
    const r = await push(dir, bin);
    assert.equal(r.exitCode, 0, r.stdout + r.stderr);
    assert.match(readFileSync(log, 'utf8'), new RegExp(registry.host.replace('.', '\\.')));
    assert.ok(!r.stdout.replace(/::add-mask::.*\n/g, '').includes(registry.password ?? 'x'));
  });

  test('no credentials anywhere: a clear message naming the inputs to set', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'docker-'));
    const r = await push(dir);
    assert.equal(r.exitCode, 1);
    assert.match(r.errors[0] ?? '', /username|password|login/i);
  });
});
