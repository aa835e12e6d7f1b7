// test/harness/tools.ts against a temporary TOOLS_DIR, so the answers do not depend on what
// this machine has installed.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

const dir = mkdtempSync(join(tmpdir(), 'tools-test-'));
process.env.TOOLS_DIR = dir;
// Imported after TOOLS_DIR is set: the module reads it once.
const tools = await import('../harness/tools.js');

function withEnv(env: Record<string, string | undefined>, fn: () => void): void {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  const apply = (values: Record<string, string | undefined>) => {
    for (const [k, v] of Object.entries(values)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
  apply(env);
  try {
    fn();
  } finally {
    apply(saved);
  }
}

describe('tools harness', () => {
  before(() => {
    mkdirSync(join(dir, 'bin'));
    writeFileSync(join(dir, 'bin', 'crane'), '#!/bin/sh\n');
    chmodSync(join(dir, 'bin', 'crane'), 0o755);
    writeFileSync(join(dir, 'bin', 'oras'), 'not executable');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('finds pinned tools in TOOLS_DIR/bin only when executable', () => {
    assert.equal(tools.TOOLS_BIN, join(dir, 'bin'));
    assert.equal(tools.toolPath('crane'), join(dir, 'bin', 'crane'));
    assert.equal(tools.findTool('oras'), undefined);
    assert.equal(tools.findTool('flux'), undefined);
  });

  test('toolPath says how to install a missing tool', () => {
    assert.throws(() => tools.toolPath('flux'), /flux .*run scripts\/install-tools\.sh/);
  });

  test('requireTools throws by default, skips only with SKIP_INTEROP=1 outside CI', () => {
    withEnv({ SKIP_INTEROP: undefined, CI: undefined }, () => {
      assert.deepEqual(tools.requireTools('crane'), { skip: false });
      assert.throws(() => tools.requireTools('crane', 'cosign3'), /cosign3/);
    });
    withEnv({ SKIP_INTEROP: '1', CI: undefined }, () => {
      const { skip } = tools.requireTools('crane', 'cosign3');
      assert.match(String(skip), /cosign3.*SKIP_INTEROP=1/);
    });
    withEnv({ SKIP_INTEROP: '1', CI: 'true' }, () => {
      assert.throws(() => tools.requireTools('cosign3'), /install-tools/);
    });
  });

  test('system tools are searched on PATH', () => {
    const sys = join(dir, 'sysbin');
    mkdirSync(sys);
    writeFileSync(join(sys, 'htpasswd'), '#!/bin/sh\n');
    chmodSync(join(sys, 'htpasswd'), 0o755);
    withEnv({ PATH: sys }, () => {
      assert.equal(tools.findTool('htpasswd'), join(sys, 'htpasswd'));
      assert.equal(tools.findTool('go'), undefined);
    });
  });

  test('pins() reads test/tools/pins.env', () => {
    const p = tools.pins();
    assert.equal(p.FLUX_VERSION, '2.9.4');
    assert.match(p.COSIGN2_VERSION ?? '', /^v2\./);
    assert.match(p.COSIGN3_VERSION ?? '', /^v3\./);
    assert.match(p.NODE24_VERSION ?? '', /^24\./);
  });

  test('the Go modules in test/tools require the pinned versions', () => {
    const p = tools.pins();
    const esc = (v = '') => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const goMod = (name: string) =>
      readFileSync(join(tools.REPO_ROOT, 'test', 'tools', name, 'go.mod'), 'utf8');
    assert.match(
      goMod('flux'),
      new RegExp(`github\\.com/fluxcd/flux2/v2 v${esc(p.FLUX_VERSION)}\\b`),
    );
    assert.match(goMod('flux'), /replace gopkg\.in\/yaml\.v3 => gopkg\.in\/yaml\.v3 v3\.0\.1/);
    assert.match(goMod('oras'), new RegExp(`oras\\.land/oras ${esc(p.ORAS_VERSION)}\\b`));
  });
});
