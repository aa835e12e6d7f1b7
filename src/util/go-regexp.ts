/**
 * Go's regexp semantics (RE2 syntax, `regexp.Compile` + `MatchString`: Perl flags, unanchored
 * search), which is what Flux applies to `matchOIDCIdentity` and to `flux list artifacts
 * --filter-regex`. re2js is a port of RE2/J, itself a port of Go's regexp package; it is loaded on
 * first use so entry points that never match a regexp (publish) do not parse it at start.
 */

/** A compiled Go regexp; `test` is Go's `MatchString` (finds a match anywhere). */
export interface GoRegexp {
  readonly source: string;
  test(input: string): boolean;
}

/** A pattern Go's regexp.Compile rejects; `message` is RE2's ("error parsing regexp: ..."). */
export class GoRegexpSyntaxError extends Error {
  override readonly name = 'GoRegexpSyntaxError';
}

type GoRegexpCompiler = (pattern: string) => GoRegexp;

let loading: Promise<GoRegexpCompiler> | undefined;

/** Loads re2js once and returns a compiler that throws GoRegexpSyntaxError for Go-rejected input. */
export function goRegexpCompiler(): Promise<GoRegexpCompiler> {
  loading ??= import('re2js').then(({ RE2JS }) => (pattern: string): GoRegexp => {
    let re: InstanceType<typeof RE2JS>;
    try {
      // Flags 0 is Go's syntax.Perl, the mode regexp.Compile uses.
      re = RE2JS.compile(pattern, 0);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      // Go accepts a group name twice, RE2/J does not; names do not change what matches.
      if (!/duplicate capture group name/.test(message)) throw new GoRegexpSyntaxError(message);
      try {
        re = RE2JS.compile(unnameGroups(pattern), 0);
      } catch (again) {
        throw new GoRegexpSyntaxError(again instanceof Error ? again.message : String(again));
      }
    }
    return { source: pattern, test: (input: string) => re.test(input) };
  });
  return loading;
}

/**
 * Turns named groups `(?P<n>…)` / `(?<n>…)` into `(?:…)`, leaving escapes, `\Q…\E` and character
 * classes alone (RE2 syntax, as in Go's regexp/syntax parser).
 */
function unnameGroups(pattern: string): string {
  let out = '';
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i] as string;
    if (c === '\\') {
      if (pattern[i + 1] === 'Q') {
        const end = pattern.indexOf('\\E', i + 2);
        const stop = end < 0 ? pattern.length : end + 2;
        out += pattern.slice(i, stop);
        i = stop;
        continue;
      }
      out += pattern.slice(i, i + 2);
      i += 2;
      continue;
    }
    if (c === '[') {
      // A class: a leading ']' (after an optional '^') is literal; [:name:] and escapes inside.
      let j = i + 1;
      if (pattern[j] === '^') j++;
      if (pattern[j] === ']') j++;
      while (j < pattern.length && pattern[j] !== ']') {
        if (pattern[j] === '\\') j += 2;
        else if (pattern.startsWith('[:', j)) {
          const close = pattern.indexOf(':]', j + 2);
          j = close < 0 ? j + 1 : close + 2;
        } else j++;
      }
      out += pattern.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    const named = /^\(\?P?<[^>]*>/.exec(pattern.slice(i));
    if (named) {
      out += '(?:';
      i += named[0].length;
      continue;
    }
    out += c;
    i++;
  }
  return out;
}

/** Compiles one pattern with Go's rules (see goRegexpCompiler). */
export async function compileGoRegexp(pattern: string): Promise<GoRegexp> {
  return (await goRegexpCompiler())(pattern);
}
