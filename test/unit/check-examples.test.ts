// scripts/check-examples.ts (run by `npm run check`) finds inputs an example uses that the
// matching action.yml lacks, and entry points that do not exist.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkText, yamlBlocks } from '../../scripts/check-examples.js';

const workflow = (uses: string, key: string) =>
  `jobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: ${uses}\n        with:\n          ${key}: x\n`;

test('a with: key the action lacks is reported, one it has is not', () => {
  assert.deepEqual(checkText(workflow('owner/flux-oci-action/tag@v1', 'tags'), 'w'), []);
  assert.deepEqual(checkText(workflow('./push', 'path'), 'w'), []);
  assert.match(
    checkText(workflow('owner/flux-oci-action/tag@v1', 'tag'), 'w').join(),
    /with "tag", which tag\/action.yml lacks/,
  );
  assert.match(checkText(workflow('./', 'filter-regex'), 'w').join(), /\.\/action.yml lacks/);
});

test('an entry point that does not exist is reported; other actions are ignored', () => {
  assert.match(
    checkText(workflow('owner/flux-oci-action/publish@v1', 'path'), 'w').join(),
    /no publish\/action.yml/,
  );
  assert.deepEqual(checkText(workflow('actions/checkout@v4', 'anything'), 'w'), []);
});

test('yaml blocks are found with their line numbers', () => {
  const md = 'text\n\n```yaml\na: 1\n```\n\n```sh\nls\n```\n```yml\nb: 2\n```\n';
  assert.deepEqual(yamlBlocks(md), [
    { line: 4, text: 'a: 1\n' },
    { line: 11, text: 'b: 2\n' },
  ]);
});
