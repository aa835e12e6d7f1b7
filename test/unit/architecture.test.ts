// docs/architecture.md "Who may import whom", checked on the sources: a flow in src/pipeline/
// that printed through @actions/core, or a domain folder that reached into src/github/, fails here.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';

const SRC = join(import.meta.dirname, '..', '..', 'src');

/**
 * Folder → the folders of src/ it may import (besides itself), single files of other folders
 * (`files`), and `actions`: @actions/*.
 */
const MAY_IMPORT: Record<string, { folders: string[]; actions: boolean; files?: string[] }> = {
  entry: { folders: ['github', 'pipeline', 'oci', 'artifact', 'signing', 'util'], actions: true },
  github: { folders: ['pipeline', 'oci', 'artifact', 'signing', 'util'], actions: true },
  pipeline: { folders: ['oci', 'artifact', 'signing', 'util'], actions: false },
  signing: { folders: ['oci', 'util'], actions: false },
  oci: { folders: ['util'], actions: false },
  // The media types and descriptor shapes of OCI (constants and types, no client code).
  artifact: { folders: ['util'], actions: false, files: ['oci/types.ts'] },
  util: { folders: [], actions: false },
};

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? sources(join(dir, e.name))
      : e.name.endsWith('.ts')
        ? [join(dir, e.name)]
        : [],
  );
}

test('every folder of src/ imports only what docs/architecture.md allows', () => {
  const wrong: string[] = [];
  const files = sources(SRC);
  assert.ok(files.length > 50, `only ${files.length} sources found under ${SRC}`);
  for (const file of files) {
    const rel = relative(SRC, file);
    const folder = rel.split('/')[0] ?? '';
    const rule = MAY_IMPORT[folder];
    if (!rule) {
      wrong.push(`${rel}: folder ${folder} is not in the table`);
      continue;
    }
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:from|import\(?)\s*'([^']+)'/g)) {
      const spec = m[1] ?? '';
      if (spec.startsWith('@actions/') && !rule.actions) wrong.push(`${rel} imports ${spec}`);
      if (!spec.startsWith('.')) continue;
      const path = relative(SRC, join(file, '..', spec)).replace(/\.js$/, '.ts');
      const target = path.split('/')[0] ?? '';
      if (target === '..') continue; // package.json: not a folder of src/
      if (rule.files?.includes(path)) continue;
      if (target !== folder && !rule.folders.includes(target)) wrong.push(`${rel} imports ${spec}`);
    }
  }
  assert.deepEqual(wrong, []);
});
