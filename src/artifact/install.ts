// Atomic pull: the layer is extracted into a fresh directory beside `output`, and only when the
// whole stream has been read, its digest and size match the manifest and every entry passed the
// rules is that directory renamed to `output`. On any failure the temporary directory (and any
// parent directory this call created) is removed, so `output` is never half-written.
//
// What `output` may be: missing (parents are created), or an empty directory (replaced by the
// rename, keeping its mode). A non-empty directory, a file or anything else is refused before a
// byte is downloaded: merging into existing content cannot be undone when a later entry fails.
import { chmod, lstat, mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { CodedError } from '../util/errors.js';
import { currentUmask } from './build.js';
import { ArtifactError, type ArtifactFailure } from './errors.js';
import { type ExtractLimits, type ExtractResult, extractLayer } from './extract.js';

/** Errors of the local file system (network errors such as ECONNRESET are not ours to word). */
const FS_CODES = new Set([
  'EACCES',
  'EPERM',
  'ENOSPC',
  'EDQUOT',
  'EROFS',
  'EIO',
  'ENAMETOOLONG',
  'EMFILE',
  'ENFILE',
  'ENOTDIR',
  'EISDIR',
  'EEXIST',
  'ELOOP',
  'EFBIG',
]);

/** `output` cannot receive the artifact: an `OUTPUT_UNUSABLE` ArtifactError (src/github words it). */
function outputError(output: string, problem: OutputProblem, detail?: unknown): ArtifactError {
  return new ArtifactError({
    code: 'OUTPUT_UNUSABLE',
    output,
    problem,
    ...(detail === undefined ? {} : { detail: String(detail) }),
  });
}
type OutputProblem = Extract<ArtifactFailure, { code: 'OUTPUT_UNUSABLE' }>['problem'];

export interface OutputPlan {
  readonly output: string;
  /** Mode for the new directory: the existing empty directory's, else 0777 minus umask. */
  readonly mode: number;
  readonly replacesEmpty: boolean;
}

/** Decides, before anything is downloaded, whether `output` can receive the artifact. */
export async function planOutput(output: string, shown = output): Promise<OutputPlan> {
  let st: Awaited<ReturnType<typeof lstat>>;
  try {
    st = await lstat(output);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      return { output, mode: 0o777 & ~(await currentUmask()), replacesEmpty: false };
    }
    throw outputError(shown, 'uninspectable', (err as NodeJS.ErrnoException).code);
  }
  if (!st.isDirectory()) {
    throw outputError(shown, 'not-directory', st.isFile() ? 'file' : 'non-directory');
  }
  if ((await readdir(output)).length > 0) {
    throw outputError(shown, 'not-empty');
  }
  return { output, mode: st.mode & 0o7777, replacesEmpty: true };
}

/** Extracts the layer into `plan.output` all at once, or not at all. */
export async function installLayer(
  /** Opened only once the temporary directory exists, so the stream is read from its start. */
  open: () => Promise<Readable | AsyncIterable<Buffer>>,
  plan: OutputPlan,
  limits: ExtractLimits,
  shown = plan.output,
): Promise<ExtractResult> {
  const parent = dirname(plan.output);
  // mkdir -p returns the first directory it made: that is what to remove on failure.
  let createdParent: string | undefined;
  let temp: string | undefined;
  let done = false;
  try {
    try {
      createdParent = await mkdir(parent, { recursive: true });
      temp = await mkdtemp(join(parent, `.${basename(plan.output)}.pull-`));
    } catch (err) {
      throw outputError(shown, 'parent', (err as NodeJS.ErrnoException).code);
    }
    const gz = await open();
    const result = await extractLayer(gz, temp, limits).catch((err: unknown) => {
      const code = (err as NodeJS.ErrnoException).code;
      if (err instanceof CodedError || !FS_CODES.has(String(code))) throw err;
      throw outputError(shown, 'write', code);
    });
    await chmod(temp, plan.mode);
    try {
      // rename(2) replaces an empty directory atomically and fails on a non-empty one.
      await rename(temp, plan.output);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw code === 'ENOTEMPTY' || code === 'EEXIST'
        ? outputError(shown, 'filled')
        : outputError(shown, 'move', code);
    }
    done = true;
    return result;
  } finally {
    if (!done) {
      if (temp) await rm(temp, { recursive: true, force: true });
      if (createdParent) await rm(createdParent, { recursive: true, force: true });
    }
  }
}
