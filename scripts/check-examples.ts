// Checks the workflow examples in README.md and docs/*.md against the action.yml files: every
// step that uses this action (`owner/flux-oci-action[/entry]@ref`, or `./[entry]` as in
// .github/workflows) names an entry point that exists, and every `with:` key is one of its
// inputs. Also checks .github/workflows. Run by `npm run check`.
// Usage: node --import tsx scripts/check-examples.ts
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

const ROOT = new URL('..', import.meta.url).pathname;
const ACTION = /^(?:[\w.-]+\/flux-oci-action(?:\/([\w-]+))?@[\w.-]+|\.\/?([\w-]+)?)$/;

function inputsOf(entry: string): Set<string> | undefined {
  const file = join(ROOT, entry, 'action.yml');
  if (!existsSync(file)) return undefined;
  const doc = parseAllDocuments(readFileSync(file, 'utf8'))[0]?.toJS() as {
    inputs?: Record<string, unknown>;
  };
  return new Set(Object.keys(doc?.inputs ?? {}));
}

/** The ```yaml blocks of a Markdown file, with the line each starts on. */
export function yamlBlocks(markdown: string): Array<{ line: number; text: string }> {
  const out: Array<{ line: number; text: string }> = [];
  const re = /^```ya?ml\n([\s\S]*?)^```/gm;
  for (let m = re.exec(markdown); m; m = re.exec(markdown)) {
    out.push({ line: markdown.slice(0, m.index).split('\n').length + 1, text: m[1] as string });
  }
  return out;
}

function steps(value: unknown): Array<{ uses: string; with?: Record<string, unknown> }> {
  const found: Array<{ uses: string; with?: Record<string, unknown> }> = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (typeof o.uses === 'string')
        found.push({ uses: o.uses, with: o.with as Record<string, unknown> | undefined });
      Object.values(o).forEach(walk);
    }
  };
  walk(value);
  return found;
}

export function checkText(text: string, where: string): string[] {
  const problems: string[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) {
      // Fragments in prose (e.g. one step) may not stand alone; only workflows must parse.
      if (/^\s*(jobs|steps):/m.test(text))
        problems.push(`${where}: not YAML: ${doc.errors[0]?.message.split('\n')[0]}`);
      continue;
    }
    for (const step of steps(doc.toJS())) {
      const m = ACTION.exec(step.uses.trim());
      if (!m) continue;
      const entry = m[1] ?? m[2] ?? '.';
      const inputs = inputsOf(entry);
      if (!inputs) {
        problems.push(`${where}: uses ${step.uses}, but there is no ${entry}/action.yml`);
        continue;
      }
      for (const key of Object.keys(step.with ?? {})) {
        if (!inputs.has(key))
          problems.push(
            `${where}: uses ${step.uses} with "${key}", which ${entry}/action.yml lacks`,
          );
      }
    }
  }
  return problems;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const problems: string[] = [];
  let checked = 0;
  const docs = ['README.md', ...readdirSync(join(ROOT, 'docs')).map((f) => join('docs', f))];
  for (const file of docs.filter((f) => f.endsWith('.md'))) {
    for (const block of yamlBlocks(readFileSync(join(ROOT, file), 'utf8'))) {
      problems.push(...checkText(block.text, `${file}:${block.line}`));
      checked++;
    }
  }
  const wf = join(ROOT, '.github', 'workflows');
  for (const f of existsSync(wf) ? readdirSync(wf) : []) {
    problems.push(...checkText(readFileSync(join(wf, f), 'utf8'), `.github/workflows/${f}`));
    checked++;
  }
  if (problems.length > 0) {
    for (const p of problems) console.error(p);
    process.exit(1);
  }
  console.log(
    `examples: ${checked} YAML blocks and workflows use only inputs their action.yml has`,
  );
}
