// FLUX_DEFAULT_IGNORE against the source of the fluxcd/pkg/sourceignore version the pinned flux
// CLI links (test/tools/flux/go.mod): ExcludeVCS then ExcludeExt, read from Flux's own code
// rather than from a copy typed into a test.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { promisify } from 'node:util';
import { FLUX_DEFAULT_IGNORE } from '../../src/artifact/ignore.js';
import { REPO_ROOT, requireTools } from '../harness/tools.js';

const run = promisify(execFile);

it(
  "FLUX_DEFAULT_IGNORE is sourceignore's ExcludeVCS + ExcludeExt",
  requireTools('go'),
  async () => {
    const goMod = readFileSync(join(REPO_ROOT, 'test', 'tools', 'flux', 'go.mod'), 'utf8');
    const version = /github\.com\/fluxcd\/pkg\/sourceignore (v\S+)/.exec(goMod)?.[1];
    assert.ok(version, 'sourceignore in test/tools/flux/go.mod');
    const { stdout } = await run(
      'go',
      ['mod', 'download', '-json', `github.com/fluxcd/pkg/sourceignore@${version}`],
      { cwd: tmpdir(), env: { ...process.env, GOFLAGS: '-mod=mod' }, timeout: 300_000 },
    );
    const source = readFileSync(join(JSON.parse(stdout).Dir, 'sourceignore.go'), 'utf8');
    const constant = (name: string) => {
      const value = new RegExp(`\\b${name}\\s*=\\s*"([^"]*)"`).exec(source)?.[1];
      assert.ok(value !== undefined, `${name} in sourceignore.go ${version}`);
      return value.split(',');
    };
    assert.deepEqual(
      [...FLUX_DEFAULT_IGNORE],
      [...constant('ExcludeVCS'), ...constant('ExcludeExt')],
    );
    assert.ok(Object.isFrozen(FLUX_DEFAULT_IGNORE));
  },
);
