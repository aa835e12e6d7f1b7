// The GitHub side of pull@v1: its inputs read once into PullInputs; outputs and summary of a pull.
import * as core from '@actions/core';
import {
  CREATED_ANNOTATION,
  DEFAULT_MAX_ENTRIES,
  REVISION_ANNOTATION,
  SOURCE_ANNOTATION,
} from '../artifact/index.js';
import type { PullResult } from '../pipeline/pull.js';
import { describeError, UserError } from '../util/errors.js';
import { type ArtifactInputs, readArtifactInputs } from './artifact-ref.js';
import type { WorkflowContext } from './context.js';
import { failureMessage, isUserFault } from './errors.js';
import { type Inputs, parseCount, parseSize } from './inputs.js';
import { setOutputs } from './outputs.js';
import { resolveUserPath } from './paths.js';
import { code, table, writeSummary } from './summary.js';
import { workspacePath } from './tree-inputs.js';

export interface PullInputs extends ArtifactInputs {
  /** `output` as given, and its real location inside the workspace. */
  given: string;
  output: string;
  maxBytes: number;
  maxEntries: number;
}

export function readPullInputs(inputs: Inputs, ctx: WorkflowContext): PullInputs {
  const artifact = readArtifactInputs(inputs);
  const given = inputs.required('output');
  const output = workspacePath(inputs, ctx, 'output');
  if (output === resolveUserPath('output', '.', { workspace: ctx.workspace }).path) {
    throw new UserError(
      `input output "${given}" is the workspace itself; give a new directory inside it, e.g. output: pulled`,
      'output',
    );
  }
  const maxBytes = parseSize(inputs.string('max-size') ?? '1GiB');
  const maxEntries = parseCount(inputs.string('max-entries'), 'max-entries', DEFAULT_MAX_ENTRIES);
  return { ...artifact, given, output, maxBytes, maxEntries };
}

/** A failed layer transfer, as the step says it: the artifact's or output's fault as is. */
export function pullFailure(target: string) {
  return (err: unknown, layer: string): unknown =>
    isUserFault(err)
      ? err
      : new UserError(
          `cannot pull layer ${layer} of ${target}: ${failureMessage(err) ?? describeError(err)}; nothing was extracted into output`,
        );
}

export async function reportPulled(input: PullInputs, pulled: PullResult): Promise<void> {
  const { manifest, annotations: a, extracted: result } = pulled;
  const { given, output } = input;
  const repository = input.connection.repository;
  core.info(
    `artifact content extracted to ${given} (${result.files} files, ${result.bytes} bytes)`,
  );
  if (result.skippedLinks > 0)
    core.warning(`${result.skippedLinks} links in the artifact were not extracted`);
  const digestUrl = `${repository.name}@${manifest.digest}`;
  setOutputs({
    digest: manifest.digest,
    'digest-url': digestUrl,
    url: `oci://${digestUrl}`,
    repository: repository.name,
    source: a[SOURCE_ANNOTATION],
    revision: a[REVISION_ANNOTATION],
    created: a[CREATED_ANNOTATION],
    path: output,
    files: result.files,
  });
  await writeSummary(
    input.summary,
    `## Flux OCI artifact pulled\n\n${table(
      ['', ''],
      [
        ['Artifact', code(digestUrl)],
        ['Source', a[SOURCE_ANNOTATION] ?? ''],
        ['Revision', a[REVISION_ANNOTATION] ? code(a[REVISION_ANNOTATION]) : ''],
        ['Extracted to', `${code(given)}: ${result.files} files, ${result.bytes} bytes`],
      ],
    )}`,
  );
}
