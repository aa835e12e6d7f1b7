// Words artifact-building failures for users: src/artifact throws `ArtifactError`s (code + data);
// this names the input at fault (`path`, `created`, `annotations`) and the fix.
import { ArtifactError, type ArtifactFailure, UnsafeArchiveError } from '../artifact/errors.js';
import { CREATED_ANNOTATION } from '../artifact/manifest.js';

export function artifactInput(f: ArtifactFailure): string {
  if (f.code === 'CREATED_INVALID') return f.fromExtra ? 'annotations' : 'created';
  if (f.code === 'OUTPUT_UNUSABLE') return 'output';
  return 'path';
}

/** One line naming the input and the fix; undefined when `err` is not an ArtifactError. */
export function artifactFailureMessage(err: unknown): string | undefined {
  // The artifact is at fault, not an input: the message names the entry and the reason.
  if (err instanceof UnsafeArchiveError) return err.message;
  if (!(err instanceof ArtifactError)) return undefined;
  const f = err.data;
  switch (f.code) {
    case 'ROOT_MISSING':
      return `input 'path' (${f.path}) does not exist or is a dangling link; point it at a directory or file in the workspace`;
    case 'ROOT_UNREADABLE':
      return `input 'path' (${f.path}) cannot be read (${f.detail}); check its permissions`;
    case 'ROOT_OUTSIDE_WORKSPACE':
      return `input 'path' (${f.path}) is a symlink that leads out of the workspace; point it at the real directory`;
    case 'ROOT_SYMLINK_DIR':
      return `input 'path' (${f.path}) is a symlink to a directory, which Flux archives as an empty artifact; point 'path' at the real directory or set 'resolve-symlinks: true'`;
    case 'ROOT_NOT_FILE_OR_DIR':
      return `input 'path' (${f.path}) is neither a directory nor a regular file; point it at one`;
    case 'ENTRY_UNREADABLE':
      return `cannot read ${f.what ? `${f.what} ` : ''}'${f.name}' under input 'path': permission denied; make it readable or exclude it with 'ignore-paths'`;
    case 'ENTRY_CHANGED':
      return f.change === 'disappeared'
        ? `'${f.name}' under input 'path' disappeared while the artifact was being built; do not modify the tree during the build`
        : f.change === 'size'
          ? `'${f.name}' under input 'path' changed size while the artifact was being built; do not modify the tree during the build`
          : `cannot open '${f.name}' under input 'path' (${f.detail}); make sure the tree is not modified during the build`;
    case 'CREATED_INVALID':
      return `input '${artifactInput(f)}' has ${CREATED_ANNOTATION}=${f.value}, which Flux rejects; use an RFC 3339 time such as 2024-01-02T03:04:05Z`;
    case 'OUTPUT_UNUSABLE':
      return outputMessage(f.output, f.problem, f.detail);
  }
}

function outputMessage(
  output: string,
  problem: Extract<ArtifactFailure, { code: 'OUTPUT_UNUSABLE' }>['problem'],
  detail: string | undefined,
): string {
  switch (problem) {
    case 'uninspectable':
      return `input output "${output}" cannot be inspected (${detail}); check its permissions`;
    case 'not-directory':
      return `input output "${output}" is an existing ${detail}; give a new or empty directory`;
    case 'not-empty':
      return `input output "${output}" is a directory that is not empty; pull extracts into a new or empty directory (so that a failed pull leaves nothing behind): remove it first or choose another output`;
    case 'parent':
      return `cannot create a directory beside output "${output}" (${detail}); check that its parent is a writable directory`;
    case 'write':
      return `cannot write the artifact beside output "${output}" (${detail}); check free space and permissions; nothing was extracted`;
    case 'filled':
      return `input output "${output}" was filled by something else during the pull; nothing was extracted; give a new or empty directory`;
    case 'move':
      return `cannot move the pulled artifact into output "${output}" (${detail}); check the directory's permissions`;
    case 'target':
      return `output '${output}' is not a directory`;
  }
}
