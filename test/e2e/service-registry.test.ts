// publish, list and pull against a registry the environment provides: on GitHub, ci.yml's
// `registry:2` service container (SERVICE_REGISTRY=localhost:5000); elsewhere the harness starts
// the Debian distribution registry, so the same test always runs.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runAction } from '../harness/action.js';
import { startRegistry, type TestRegistry } from '../harness/registry.js';
import { requireTools } from '../harness/tools.js';

describe('a registry provided by the environment', requireTools('node24'), () => {
  let started: TestRegistry | undefined;
  let host: string;
  let ws: string;

  before(async () => {
    const service = process.env.SERVICE_REGISTRY;
    if (service) host = service;
    else {
      started = await startRegistry({});
      host = started.host;
    }
    ws = mkdtempSync(join(tmpdir(), 'ws-'));
    mkdirSync(join(ws, 'deploy'));
    writeFileSync(join(ws, 'deploy', 'app.yaml'), `kind: ConfigMap\nrun: ${Date.now()}\n`);
  });
  after(async () => {
    await started?.stop();
    rmSync(ws, { recursive: true, force: true });
  });

  test('publish (unsigned) → list → pull', async () => {
    const repo = `${host}/ci/service-${process.pid}`;
    const p = await runAction('publish', {
      inputs: { repository: repo, path: 'deploy', sign: 'false', tags: 'ci' },
      event: { ref: 'refs/heads/main' },
      workspace: ws,
    });
    assert.equal(p.exitCode, 0, p.stdout + p.stderr);
    assert.equal(p.outputs.signed, 'false');
    const l = await runAction('list', { inputs: { repository: repo }, workspace: ws });
    assert.equal(JSON.parse(l.outputs.json ?? '{}').artifacts[0]?.digest, p.outputs.digest);
    const pulled = await runAction('pull', {
      inputs: { repository: repo, ref: 'ci', output: 'out' },
      workspace: ws,
    });
    assert.equal(pulled.exitCode, 0, pulled.stdout);
    assert.equal(
      readFileSync(join(ws, 'out', 'app.yaml'), 'utf8'),
      readFileSync(join(ws, 'deploy', 'app.yaml'), 'utf8'),
    );
  });
});
