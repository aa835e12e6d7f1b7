// The README's quick-start workflows are the runner-test workflows (test/act/workflows) minus
// their test-only parts, so the examples are exactly what act runs in test/e2e/act-runner.test.ts.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { readmeForm } from '../act/readme-form.js';
import { REPO_ROOT } from '../harness/tools.js';

test('README workflow blocks equal the act workflows', () => {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const marked = [
    ...readme.matchAll(/<!-- runs as (test\/act\/workflows\/[\w.-]+) -->\n```yaml\n([\s\S]*?)```/g),
  ];
  assert.ok(marked.length >= 2, 'README marks its workflow examples');
  for (const [, file, block] of marked) {
    const workflow = readFileSync(join(REPO_ROOT, file as string), 'utf8');
    assert.equal(block, readmeForm(workflow), `${file} and its README block differ`);
  }
});
