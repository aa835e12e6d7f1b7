// Inputs shared by the entry points that package a tree (publish, push, diff) or write one
// (pull's output), and the notice of what the walk left out.
import * as core from '@actions/core';
import { FLUX_DEFAULT_IGNORE, type Layer } from '../artifact/index.js';
import type { WorkflowContext } from './context.js';
import type { Inputs } from './inputs.js';
import { resolveUserPath } from './paths.js';

/**
 * Resolves a directory/file input (`path`, default `.`; pull's `output`, required) to its real
 * location inside the workspace (src/github/paths.ts); a path leading outside it, also through a
 * symlinked parent, is refused. `path` keeps a link in its last component for the walk's rules.
 */
export function workspacePath(inputs: Inputs, ctx: WorkflowContext, name = 'path'): string {
  const given = name === 'path' ? (inputs.string(name) ?? '.') : inputs.required(name);
  return resolveUserPath(name, given, { workspace: ctx.workspace, keepLastLink: name === 'path' })
    .path;
}

/** Flux's default ignore patterns (unless turned off) followed by the user's. */
export function ignorePatterns(inputs: Inputs): string[] {
  const defaults = inputs.boolean('ignore-defaults', true) ? [...FLUX_DEFAULT_IGNORE] : [];
  return [...defaults, ...(inputs.list('ignore-paths') ?? [])];
}

/** Tells the user what the walk left out, the way Flux leaves it out silently. */
export function reportSkipped(s: Layer['skipped']): void {
  if (s.skippedSymlinks > 0) {
    core.notice(
      `${s.skippedSymlinks} symlinks were left out (as flux does); set resolve-symlinks: true to follow links inside the workspace`,
    );
  }
  if (s.skippedUnresolved > 0) {
    core.warning(
      `${s.skippedUnresolved} symlinks were left out because they point outside the workspace or nowhere`,
    );
  }
  if (s.skippedSpecial > 0)
    core.info(`${s.skippedSpecial} sockets, FIFOs or devices were left out`);
}
