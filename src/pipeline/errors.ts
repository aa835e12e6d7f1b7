// Flow failures as data (code + what is needed to word them), like the domains' errors: they name
// no action input; src/github/pipeline-errors.ts says which input to fix and how. (`TagSetError`
// in tags.ts carries a tag set's state and is worded by src/github/registry-errors.ts.)
import { CodedError } from '../util/errors.js';

export type PipelineFailure =
  /** A list filter that does not compile: a semver constraint, or a Go regexp (`detail`: why). */
  | { code: 'FILTER_INVALID'; filter: 'semver' | 'regex'; value: string; detail?: string }
  /** These tags point at other digests, and the caller asked to fail then. */
  | { code: 'TAGS_EXIST'; tags: Array<{ tag: string; digest: string }> }
  /** The manifest at `target` has no layers, so it is not a Flux artifact. */
  | { code: 'NOT_AN_ARTIFACT'; target: string };

export type PipelineErrorCode = PipelineFailure['code'];

export class PipelineError extends CodedError<PipelineErrorCode, PipelineFailure> {
  override readonly name = 'PipelineError';
  constructor(data: PipelineFailure, options?: ErrorOptions) {
    super(data.code, data, describePipelineFailure(data), options);
  }
}

/** What happened, for logs. */
function describePipelineFailure(f: PipelineFailure): string {
  switch (f.code) {
    case 'FILTER_INVALID':
      return f.filter === 'semver'
        ? `"${f.value}" is not a semver constraint`
        : `"${f.value}" is not a Go regular expression${f.detail ? ` (${f.detail})` : ''}`;
    case 'TAGS_EXIST':
      return `tag already points at another artifact: ${f.tags.map((t) => `${t.tag} (at ${t.digest})`).join(', ')}`;
    case 'NOT_AN_ARTIFACT':
      return `artifact ${f.target} has no layers; it is not a Flux artifact`;
  }
}
