// Flux's ignore rules: gitignore patterns parsed and matched exactly like
// fluxcd/pkg/sourceignore v0.18.0 (`ReadPatterns`) and its gitignore package, itself a copy
// of go-git v5.16.4 plumbing/format/gitignore (pattern.go, matcher.go; Apache-2.0).
// Re-implemented here from that source; see NOTICE.
import { compileMatch } from './match.js';

/** `flux build/push artifact`'s default `--ignore-paths` (sourceignore ExcludeVCS + ExcludeExt). */
export const FLUX_DEFAULT_IGNORE: readonly string[] = Object.freeze([
  '.git/',
  '.gitignore',
  '.gitmodules',
  '.gitattributes',
  '*.jpg',
  '*.jpeg',
  '*.gif',
  '*.png',
  '*.wmv',
  '*.flv',
  '*.tar.gz',
  '*.zip',
]);

const enc = new TextEncoder();

export interface IgnorePattern {
  /** The pattern's components (split on `/`), as UTF-8 bytes. */
  readonly parts: readonly Uint8Array[];
  /** `goMatch(part, name)` for each of `parts`, compiled once per pattern (match.ts). */
  readonly matchers: readonly ((name: Uint8Array) => boolean)[];
  readonly inclusion: boolean;
  readonly dirOnly: boolean;
  /** Contains a `/`: anchored at the root, matched component by component. */
  readonly isGlob: boolean;
}

/** go-git's ParsePattern for one line. */
export function parsePattern(line: string): IgnorePattern {
  let p = line;
  let inclusion = false;
  if (p.startsWith('!')) {
    inclusion = true;
    p = p.slice(1);
  }
  if (!p.endsWith('\\ ')) p = p.replace(/ +$/, '');
  let dirOnly = false;
  if (p.endsWith('/')) {
    dirOnly = true;
    p = p.slice(0, -1);
  }
  const isGlob = p.includes('/');
  const parts = p.split('/').map((s) => enc.encode(s));
  return { parts, matchers: parts.map(compileMatch), inclusion, dirOnly, isGlob };
}

// Go's unicode.IsSpace: JS `\s` minus U+FEFF, plus U+0085.
const GO_SPACE_ONLY = /^[\s\u0085]*$/u;
function isGoBlank(s: string): boolean {
  return !s.includes('\ufeff') && GO_SPACE_ONLY.test(s);
}

/**
 * sourceignore.ReadPatterns over Flux's `strings.Join(ignorePaths, "\n")`: lines (a trailing
 * `\r` dropped, like bufio.ScanLines), skipping `#` comments and blank lines.
 */
export function parsePatterns(ignorePaths: readonly string[]): IgnorePattern[] {
  const text = ignorePaths.join('\n');
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const out: IgnorePattern[] = [];
  for (let line of lines) {
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line.startsWith('#') || isGoBlank(line)) continue;
    out.push(parsePattern(line));
  }
  return out;
}

enum Result {
  NoMatch = 0,
  Exclude = 1,
  Include = 2,
}

/** pattern.Match with the domain already stripped: `path` is relative to the artifact root. */
function matchPattern(p: IgnorePattern, path: readonly Uint8Array[], isDir: boolean): Result {
  if (path.length === 0) return Result.NoMatch; // the root itself never matches
  const ok = p.isGlob ? globMatch(p, path, isDir) : simpleNameMatch(p, path, isDir);
  if (!ok) return Result.NoMatch;
  return p.inclusion ? Result.Include : Result.Exclude;
}

/** A pattern without `/` matches any component; dir-only patterns not a final non-dir one. */
function simpleNameMatch(p: IgnorePattern, path: readonly Uint8Array[], isDir: boolean): boolean {
  const matches = p.matchers[0]!;
  for (let i = 0; i < path.length; i++) {
    if (!matches(path[i]!)) continue;
    return !(p.dirOnly && !isDir && i === path.length - 1);
  }
  return false;
}

function isStarStar(b: Uint8Array): boolean {
  return b.length === 2 && b[0] === 0x2a && b[1] === 0x2a;
}
function containsStarStar(b: Uint8Array): boolean {
  for (let i = 0; i + 1 < b.length; i++) if (b[i] === 0x2a && b[i + 1] === 0x2a) return true;
  return false;
}

/** go-git's globMatch, including its quirks (e.g. `**` only as a whole component). */
function globMatch(p: IgnorePattern, fullPath: readonly Uint8Array[], isDir: boolean): boolean {
  let path = 0; // index of the next unconsumed component
  let matched = false;
  let canTraverse = false;
  const parts = p.parts;
  for (let i = 0; i < parts.length; i++) {
    const pat = parts[i]!;
    if (pat.length === 0) {
      canTraverse = false;
      continue;
    }
    if (isStarStar(pat)) {
      if (i === parts.length - 1) break;
      canTraverse = true;
      continue;
    }
    if (containsStarStar(pat)) return false;
    if (path >= fullPath.length) return false;
    if (canTraverse) {
      canTraverse = false;
      while (path < fullPath.length) {
        const e = fullPath[path++]!;
        if (p.matchers[i]!(e)) {
          matched = true;
          break;
        }
        if (path >= fullPath.length) matched = false;
      }
    } else {
      if (!p.matchers[i]!(fullPath[path]!)) return false;
      matched = true;
      path++;
    }
  }
  if (matched && p.dirOnly && !isDir && path >= fullPath.length) matched = false;
  return matched;
}

/** Last pattern that matches decides (go-git's Matcher); no match means "keep". */
export class IgnoreMatcher {
  readonly patterns: readonly IgnorePattern[];
  /** True when some pattern starts with `!`, i.e. a path below an ignored dir may come back. */
  readonly hasInclusions: boolean;

  constructor(ignorePaths: readonly string[]) {
    this.patterns = parsePatterns(ignorePaths);
    this.hasInclusions = this.patterns.some((p) => p.inclusion);
  }

  /** Whether the path (components relative to the root, as bytes) is excluded. */
  ignores(path: readonly Uint8Array[], isDir: boolean): boolean {
    for (let i = this.patterns.length - 1; i >= 0; i--) {
      const r = matchPattern(this.patterns[i]!, path, isDir);
      if (r !== Result.NoMatch) return r === Result.Exclude;
    }
    return false;
  }

  /** Convenience for string paths (`a/b/c`). */
  ignoresPath(path: string, isDir: boolean): boolean {
    return this.ignores(
      path.split('/').map((s) => enc.encode(s)),
      isDir,
    );
  }
}
