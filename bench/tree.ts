// The tree every publish benchmark pushes (500 small manifests in 25 directories by default) and
// the checkout it sits in: a git repository with a new commit per run, as actions/checkout leaves
// a workspace, so our step reads revision and time from git as it does in a workflow.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { git } from '../test/harness/git.js';

/** Writes `files` manifests under `<ws>/deploy`. */
export function writeBenchTree(ws: string, files: number): void {
  for (let i = 0; i < files; i++) {
    const dir = join(ws, 'deploy', `app-${i % 25}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, `m-${i}.yaml`),
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${i}\ndata:\n  k: "${'v'.repeat(200 + (i % 500))}"\n`,
    );
  }
}

/** Makes `ws` a git checkout of branch main with origin https://github.com/org/app. */
export function initCheckout(ws: string): void {
  git(ws, ['init', '-q', '-b', 'main']);
  git(ws, ['remote', 'add', 'origin', 'https://github.com/org/app']);
}

/** A new revision for run `r` (so no side can skip work), committed; returns its sha. */
export function commitRun(ws: string, r: number): string {
  writeFileSync(join(ws, 'deploy', 'run.yaml'), `run: ${r}\n`);
  git(ws, ['add', '-A']);
  git(ws, ['commit', '-qm', `run ${r}`]);
  return git(ws, ['rev-parse', 'HEAD']);
}
