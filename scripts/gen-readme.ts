// Regenerates the "Inputs and outputs" section of README.md from the action.yml files.
// Usage: node --import tsx scripts/gen-readme.ts [--check]
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parse } from 'yaml';

interface ActionSpec {
  name: string;
  description: string;
  inputs?: Record<string, { description: string; required?: boolean; default?: string }>;
  outputs?: Record<string, { description: string }>;
}

/** Entry points in the order the README presents them: folder ('' = root) and `uses:` suffix. */
export const ENTRY_POINTS = [
  '',
  'push',
  'sign',
  'tag',
  'verify',
  'diff',
  'pull',
  'list',
  'cleanup',
];
const BEGIN = '<!-- BEGIN GENERATED: inputs and outputs (npm run docs) -->';
const END = '<!-- END GENERATED -->';

function cell(text: string): string {
  return text.replace(/\s+/g, ' ').replace(/\|/g, '\\|').trim();
}

export function renderSection(): string {
  const parts: string[] = [];
  for (const folder of ENTRY_POINTS) {
    const file = folder ? `${folder}/action.yml` : 'action.yml';
    if (!existsSync(file)) continue;
    const spec = parse(readFileSync(file, 'utf8')) as ActionSpec;
    const uses = `owner/flux-oci-action${folder ? `/${folder}` : ''}@v1`;
    parts.push(`### \`${uses}\` — ${spec.name}\n\n${cell(spec.description)}\n`);
    parts.push('| input | required | default | description |\n| --- | --- | --- | --- |');
    for (const [id, input] of Object.entries(spec.inputs ?? {})) {
      const def = input.default === undefined ? '' : `\`${cell(String(input.default))}\``;
      parts.push(
        `| \`${id}\` | ${input.required ? 'yes' : 'no'} | ${def} | ${cell(input.description)} |`,
      );
    }
    parts.push('\n| output | description |\n| --- | --- |');
    for (const [id, output] of Object.entries(spec.outputs ?? {})) {
      parts.push(`| \`${id}\` | ${cell(output.description)} |`);
    }
    parts.push('');
  }
  return parts.join('\n');
}

export function updateReadme(readme: string): string {
  const start = readme.indexOf(BEGIN);
  const end = readme.indexOf(END);
  if (start === -1 || end === -1 || end < start) {
    throw new Error(`README.md must contain the markers:\n${BEGIN}\n${END}`);
  }
  return `${readme.slice(0, start + BEGIN.length)}\n\n${renderSection()}\n${readme.slice(end)}`;
}

const check = process.argv.includes('--check');
const current = readFileSync('README.md', 'utf8');
const next = updateReadme(current);
if (check) {
  if (next !== current) {
    console.error(
      'README.md inputs/outputs are out of sync with the action.yml files; run "npm run docs" and commit',
    );
    process.exit(1);
  }
  console.log('README.md inputs/outputs match the action.yml files');
} else {
  writeFileSync('README.md', next);
  console.log('README.md inputs/outputs regenerated');
}
