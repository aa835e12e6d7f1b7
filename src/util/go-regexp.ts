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

export type GoRegexpCompiler = (pattern: string) => GoRegexp;

let loading: Promise<GoRegexpCompiler> | undefined;

/** Loads re2js once and returns a compiler that throws GoRegexpSyntaxError for Go-rejected input. */
export function goRegexpCompiler(): Promise<GoRegexpCompiler> {
  loading ??= import('re2js').then(({ RE2JS }) => (pattern: string): GoRegexp => {
    let re: InstanceType<typeof RE2JS>;
    try {
      // Flags 0 is Go's syntax.Perl, the mode regexp.Compile uses.
      re = RE2JS.compile(pattern, 0);
    } catch (err) {
      throw new GoRegexpSyntaxError(err instanceof Error ? err.message : String(err));
    }
    return { source: pattern, test: (input: string) => re.test(input) };
  });
  return loading;
}

/** Compiles one pattern with Go's rules (see goRegexpCompiler). */
export async function compileGoRegexp(pattern: string): Promise<GoRegexp> {
  return (await goRegexpCompiler())(pattern);
}
