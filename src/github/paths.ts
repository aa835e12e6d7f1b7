// The one place where a path given in an input becomes a place on disk. A path is checked twice:
// as written (no `..` out of the workspace) and where it really is, walking it one component at a
// time so that a symlinked parent (`vendor -> /outside`, then `path: vendor/sub`) is caught as
// well as a symlink in the last component. A path that does not exist yet (pull's `output`) is
// judged by its deepest existing ancestor.
import { lstatSync, readlinkSync, realpathSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { UserError } from '../util/errors.js';

export interface UserPathOptions {
  /** GITHUB_WORKSPACE: relative paths start here, and every path must stay inside it… */
  readonly workspace: string;
  /** …or inside RUNNER_TEMP, for files an earlier step writes there (e.g. `trusted-root`). */
  readonly runnerTemp?: string | undefined;
  /**
   * Leave a symlink in the LAST component in the returned path (its target is still checked):
   * `path` keeps its own rules for a root that is a link (refused unless `resolve-symlinks`).
   */
  readonly keepLastLink?: boolean;
}

export interface UserPath {
  /** Where the path really is (parents resolved; the last link too unless `keepLastLink`). */
  readonly path: string;
  /** Whether it exists; when not, `path` is the real deepest ancestor plus the missing names. */
  readonly exists: boolean;
}

function inside(child: string, parent: string): boolean {
  const rel = relative(parent, child);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

function realOrSelf(p: string): string {
  try {
    return realpathSync.native(p);
  } catch {
    return p;
  }
}

/** What `code` means for a user, for one-line messages about their paths. */
export function fsReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOENT':
      return 'it does not exist';
    case 'ENOTDIR':
      return 'a part of it is a file, not a directory';
    case 'EISDIR':
      return 'it is a directory, not a file';
    case 'EEXIST':
      return 'it already exists';
    case 'ELOOP':
      return 'too many levels of symlinks';
    case 'ENAMETOOLONG':
      return 'the name is too long';
    case 'ENOSPC':
      return 'no space left on the device';
    case 'EROFS':
      return 'the file system is read-only';
    default:
      return code ?? (err instanceof Error ? err.message : String(err));
  }
}

/**
 * Resolves input `name` (value `given`, relative to the workspace) to its real location and
 * refuses it, with one line naming the input and the link, when that is outside the workspace
 * (or RUNNER_TEMP when allowed). Symlinks inside the tree are not this function's business.
 */
export function resolveUserPath(name: string, given: string, opts: UserPathOptions): UserPath {
  const roots = [opts.workspace, ...(opts.runnerTemp ? [opts.runnerTemp] : [])].map((r) =>
    resolve(r),
  );
  const where = opts.runnerTemp ? 'the workspace or RUNNER_TEMP' : 'the workspace';
  const abs = resolve(roots[0] as string, given);
  // As written: which root is it in (by its own name, or by its real name)?
  const lexical = roots
    .flatMap((r) => [
      { root: r, base: r },
      { root: r, base: realOrSelf(r) },
    ])
    .find((c) => inside(abs, c.base));
  if (!lexical) {
    throw new UserError(
      `input ${name} "${given}" is outside ${where} (${roots[0]}); give a path inside the repository`,
      name,
    );
  }
  const rootReal = realOrSelf(lexical.root);
  const parts = relative(lexical.base, abs)
    .split(sep)
    .filter((p) => p !== '');
  let cur = rootReal;
  for (let i = 0; i < parts.length; i++) {
    const next = join(cur, parts[i] as string);
    const shown = parts.slice(0, i + 1).join('/');
    let st: ReturnType<typeof lstatSync>;
    try {
      st = lstatSync(next);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return { path: join(next, ...parts.slice(i + 1)), exists: false };
      if (code === 'ENOTDIR') {
        throw new UserError(
          `input ${name} "${given}": ${parts.slice(0, i).join('/')} is a file, not a directory; fix the path`,
          name,
        );
      }
      throw new UserError(
        `input ${name} "${given}": cannot look at ${shown} (${fsReason(err)}); fix the path or its permissions`,
        name,
      );
    }
    if (!st.isSymbolicLink()) {
      if (i < parts.length - 1 && !st.isDirectory()) {
        throw new UserError(
          `input ${name} "${given}": ${shown} is a file, not a directory; fix the path`,
          name,
        );
      }
      cur = next;
      continue;
    }
    let target = '';
    try {
      target = readlinkSync(next);
    } catch {
      // raced away; realpath below decides
    }
    let real: string;
    try {
      real = realpathSync.native(next);
    } catch {
      throw new UserError(
        `input ${name} "${given}" goes through the symlink ${shown} -> ${target}, which points nowhere; point ${name} at a real directory inside the workspace`,
        name,
      );
    }
    if (!roots.some((r) => inside(real, realOrSelf(r)))) {
      throw new UserError(
        `input ${name} "${given}" leads outside ${where} through the symlink ${shown} -> ${target}; point ${name} at a real path inside the workspace`,
        name,
      );
    }
    cur = i === parts.length - 1 && opts.keepLastLink ? next : real;
  }
  return { path: cur, exists: true };
}
