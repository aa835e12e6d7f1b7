// actionlint (pinned, test/tools/pins.env) over the workflows users copy from README.md and over
// .github/workflows: expressions, permissions, events, and inputs of local actions (./, ./push…).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { yamlBlocks } from '../../scripts/check-examples.js';
import { REPO_ROOT, requireTools, toolPath } from '../harness/tools.js';

const run = promisify(execFile);

async function actionlint(cwd: string, files: string[]): Promise<string> {
  try {
    await run(toolPath('actionlint'), ['-no-color', '-oneline', ...files], {
      cwd,
      timeout: 120_000,
    });
    return '';
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    return `${e.stdout ?? ''}${e.stderr ?? ''}` || e.message;
  }
}

describe('actionlint', requireTools('actionlint'), () => {
  it("accepts README's workflows", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'actionlint-'));
    try {
      mkdirSync(join(dir, '.github', 'workflows'), { recursive: true });
      const files: string[] = [];
      for (const block of yamlBlocks(readFileSync(join(REPO_ROOT, 'README.md'), 'utf8'))) {
        if (!/^jobs:/m.test(block.text)) continue;
        const name = `.github/workflows/readme-line-${block.line}.yml`;
        writeFileSync(join(dir, name), block.text);
        files.push(name);
      }
      assert.ok(files.length >= 3, `README workflows found: ${files.length}`);
      assert.equal(await actionlint(dir, files), '');
      // The linter can fail: an unknown expression context in a copy of one of them must be reported.
      const bad = readFileSync(join(dir, files[0] as string), 'utf8').replace(
        'github.repository',
        'github.repositoryy',
      );
      writeFileSync(join(dir, '.github/workflows/bad.yml'), bad);
      assert.match(await actionlint(dir, ['.github/workflows/bad.yml']), /repositoryy/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('accepts .github/workflows, local actions included', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'actionlint-'));
    try {
      // A copy, so actionlint reads this tree's action.yml files for `uses: ./…` inputs.
      for (const entry of [
        '.github',
        'action.yml',
        ...readdirSync(REPO_ROOT).filter((d) => {
          try {
            return readdirSync(join(REPO_ROOT, d)).includes('action.yml');
          } catch {
            return false;
          }
        }),
      ])
        cpSync(join(REPO_ROOT, entry), join(dir, entry), { recursive: true });
      const files = readdirSync(join(dir, '.github', 'workflows')).map(
        (f) => `.github/workflows/${f}`,
      );
      assert.ok(files.length > 0);
      assert.equal(await actionlint(dir, files), '');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
