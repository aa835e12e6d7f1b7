// Words artifact-building failures for users: src/artifact throws `ArtifactError`s (code + data);
// this names the input at fault (`path`, `created`, `annotations`) and the fix.
import { ArtifactError, type ArtifactFailure } from '../artifact/errors.js';
import { CREATED_ANNOTATION } from '../artifact/manifest.js';

export function artifactInput(f: ArtifactFailure): string {
  if (f.code === 'CREATED_INVALID') return f.fromExtra ? 'annotations' : 'created';
  return 'path';
}

/** One line naming the input and the fix; undefined when `err` is not an ArtifactError. */
export function artifactFailureMessage(err: unknown): string | undefined {
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
  }
}
