// The GitHub side of diff@v1: its inputs read once into DiffInputs; the log lines, outputs and
// summary of a comparison, and the failure that fail-on-change asks for.
import * as core from '@actions/core';
import type { BuildOptions, FluxFormat, Layer } from '../artifact/index.js';
import type { TreeDiff } from '../pipeline/diff.js';
import type { DiffRule } from '../pipeline/push.js';
import { UserError } from '../util/errors.js';
import { readDiffRule, readFluxFormat } from './artifact-format.js';
import { type ArtifactInputs, readArtifactInputs } from './artifact-ref.js';
import type { WorkflowContext } from './context.js';
import type { Inputs } from './inputs.js';
import { setOutputs } from './outputs.js';
import { code, details, writeSummary } from './summary.js';
import { ignorePatterns, workspacePath } from './tree-inputs.js';

export interface DiffInputs extends ArtifactInputs {
  /** The tree to compare, built as publish would build it. */
  build: BuildOptions;
  format: FluxFormat;
  rule: DiffRule;
  failOnChange: boolean;
}

export function readDiffInputs(inputs: Inputs, ctx: WorkflowContext): DiffInputs {
  const artifact = readArtifactInputs(inputs);
  const path = workspacePath(inputs, ctx);
  const format = readFluxFormat(inputs);
  const rule = readDiffRule(inputs);
  const build = {
    path,
    ignorePaths: ignorePatterns(inputs),
    resolveSymlinks: inputs.boolean('resolve-symlinks', false),
    workspace: ctx.workspace,
    tmpDir: process.env.RUNNER_TEMP,
    gzip: format.gzip,
  };
  const failOnChange = inputs.boolean('fail-on-change', false);
  return { ...artifact, build, format, rule, failOnChange };
}

/** Log, outputs and summary of a diff; throws when it changed and fail-on-change is true. */
export async function reportDiff(
  input: DiffInputs,
  target: string,
  result: TreeDiff & { layer: Layer },
): Promise<void> {
  const { remote, changed, files, decidedBy, layer } = result;
  const format = input.format;
  if (!remote) core.info(`${target} does not exist: everything is new`);
  else if (changed) core.info(`the remote artifact contents differs from the local one`);
  else if (decidedBy === 'tar-content')
    core.info('no changes detected (same tar content; the layer was compressed differently)');
  else core.info('no changes detected');

  setOutputs({
    changed,
    digest: remote?.digest ?? '',
    'layer-digest': layer.digest,
    'decided-by': decidedBy,
    'flux-version': format.line,
    added: files.added,
    removed: files.removed,
    modified: files.modified,
  });
  const list = (title: string, items: string[]) =>
    items.length === 0
      ? ''
      : details(`${title} (${items.length})`, items.map((f) => `- ${code(f)}`).join('\n'));
  const sameFiles =
    changed && remote && files.added.length + files.removed.length + files.modified.length === 0;
  await writeSummary(
    input.summary,
    `## Flux OCI diff: ${changed ? 'changed' : 'no changes'}\n\n` +
      `Local ${code(layer.digest)} (Flux ${format.line} format) vs ${code(target)}${remote ? ` (${code(remote.digest)})` : ' (not found)'}, decided by ${code(decidedBy)}\n\n` +
      (sameFiles
        ? 'The files are identical; only the archive bytes differ (e.g. another compressor).\n\n'
        : '') +
      list('Added', files.added) +
      list('Removed', files.removed) +
      list('Modified', files.modified),
  );
  if (changed && input.failOnChange) {
    throw new UserError(
      `the local contents differ from ${target} (fail-on-change: true)`,
      'fail-on-change',
    );
  }
}
