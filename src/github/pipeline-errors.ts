// Words flow failures for users: src/pipeline throws `PipelineError`s (code + data); this names
// the input at fault (`filter-semver`, `filter-regex`, `tags`, `ref`) and the fix.
import { PipelineError, type PipelineFailure } from '../pipeline/errors.js';

export function pipelineInput(f: PipelineFailure): string {
  switch (f.code) {
    case 'FILTER_INVALID':
      return `filter-${f.filter}`;
    case 'TAGS_EXIST':
      return 'tags';
    case 'NOT_AN_ARTIFACT':
      return 'ref';
  }
}

/** One line naming the input and the fix; undefined when `err` is not a PipelineError. */
export function pipelineFailureMessage(err: unknown): string | undefined {
  if (!(err instanceof PipelineError)) return undefined;
  const f = err.data;
  switch (f.code) {
    case 'FILTER_INVALID':
      return f.filter === 'semver'
        ? `input filter-semver: "${f.value}" is not a semver constraint; use e.g. ">=1.0.0" or "1.x"`
        : `input filter-regex: "${f.value}" is not a Go regular expression${f.detail ? ` (${f.detail})` : ''}; write it in Go RE2 syntax as for flux list artifacts --filter-regex`;
    case 'TAGS_EXIST':
      return `tag already points at another artifact: ${f.tags.map((t) => `${t.tag} (at ${t.digest})`).join(', ')}; choose other tags or set if-exists: overwrite`;
    case 'NOT_AN_ARTIFACT':
      return `artifact ${f.target} has no layers, so it is not a Flux artifact: check repository and ref`;
  }
}
