// Artifact-building failures as data (code + what is needed to word them). They name no action
// input: src/github/artifact-errors.ts says which input (`path`, `created`, …) to fix and how.
import { CodedError } from '../util/errors.js';

export type ArtifactFailure =
  /** The root (`path`) does not exist, or is a dangling link. */
  | { code: 'ROOT_MISSING'; path: string }
  | { code: 'ROOT_UNREADABLE'; path: string; detail: string }
  /** The root is a symlink whose target is outside the workspace. */
  | { code: 'ROOT_OUTSIDE_WORKSPACE'; path: string }
  /** The root is a symlink to a directory, which Flux archives as an empty artifact. */
  | { code: 'ROOT_SYMLINK_DIR'; path: string }
  | { code: 'ROOT_NOT_FILE_OR_DIR'; path: string }
  /** `name` (relative to the root) cannot be read: permission denied. */
  | { code: 'ENTRY_UNREADABLE'; name: string; what?: string }
  /** `name` disappeared, changed size, or could not be opened (`detail`) during the build. */
  | {
      code: 'ENTRY_CHANGED';
      name: string;
      change: 'disappeared' | 'size' | 'open';
      detail?: string;
    }
  /** The `created` annotation is not RFC 3339; `fromExtra`: it came from the extra annotations. */
  | { code: 'CREATED_INVALID'; value: string; fromExtra: boolean }
  /**
   * The pull target (`output`, as the user gave it) cannot receive the artifact: it cannot be
   * inspected, is not a directory (`detail`: file / non-directory) or not empty, its parent is not
   * writable, writing or the final rename failed (`detail`: the errno code), or something else
   * filled it meanwhile. `target`: the directory extraction was pointed at is not one.
   */
  | {
      code: 'OUTPUT_UNUSABLE';
      output: string;
      problem:
        | 'uninspectable'
        | 'not-directory'
        | 'not-empty'
        | 'parent'
        | 'write'
        | 'filled'
        | 'move'
        | 'target';
      detail?: string;
    };

export type ArtifactErrorCode = ArtifactFailure['code'];

export class ArtifactError extends CodedError<ArtifactErrorCode, ArtifactFailure> {
  override readonly name = 'ArtifactError';
  constructor(data: ArtifactFailure, options?: ErrorOptions) {
    super(data.code, data, describeArtifactFailure(data), options);
  }
}

/** What happened, for logs. */
function describeArtifactFailure(f: ArtifactFailure): string {
  switch (f.code) {
    case 'ROOT_MISSING':
      return `${f.path} does not exist or is a dangling link`;
    case 'ROOT_UNREADABLE':
      return `${f.path} cannot be read (${f.detail})`;
    case 'ROOT_OUTSIDE_WORKSPACE':
      return `${f.path} is a symlink that leads out of the workspace`;
    case 'ROOT_SYMLINK_DIR':
      return `${f.path} is a symlink to a directory, which Flux archives as an empty artifact`;
    case 'ROOT_NOT_FILE_OR_DIR':
      return `${f.path} is neither a directory nor a regular file`;
    case 'ENTRY_UNREADABLE':
      return `cannot read ${f.what ? `${f.what} ` : ''}'${f.name}': permission denied`;
    case 'ENTRY_CHANGED':
      return f.change === 'disappeared'
        ? `'${f.name}' disappeared while the artifact was being built`
        : f.change === 'size'
          ? `'${f.name}' changed size while the artifact was being built`
          : `cannot open '${f.name}' (${f.detail})`;
    case 'CREATED_INVALID':
      return `created time ${f.value} is not RFC 3339, which Flux rejects`;
    case 'OUTPUT_UNUSABLE':
      return `${f.output} cannot receive the artifact (${f.problem}${f.detail ? `: ${f.detail}` : ''})`;
  }
}

/**
 * An archive we refuse to extract (not gzip/tar, over a cap, an entry that would escape, …); the
 * message names the entry and is shown as is: no input is at fault, the artifact is.
 */
export class UnsafeArchiveError extends CodedError<'UNSAFE_ARCHIVE', { reason: string }> {
  override readonly name = 'UnsafeArchiveError';
  constructor(reason: string, options?: ErrorOptions) {
    super('UNSAFE_ARCHIVE', { reason }, reason, options);
  }
}
