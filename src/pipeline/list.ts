import semver from 'semver';
import {
  CREATED_ANNOTATION,
  manifestAnnotations,
  REVISION_ANNOTATION,
  SOURCE_ANNOTATION,
} from '../artifact/index.js';
import type { RegistryClient } from '../oci/client.js';
import { compileGoRegexp, type GoRegexp, GoRegexpSyntaxError } from '../util/go-regexp.js';
import { allSettled } from '../util/settle.js';
import { PipelineError } from './errors.js';

export interface ListedArtifact {
  tag: string;
  digest: string;
  source?: string;
  revision?: string;
  created?: string;
}

export interface ListFilters {
  semver?: string;
  regex?: string;
}

const COSIGN_SUFFIXES = ['.sig', '.att', '.sbom'];

/** `flux list artifacts` drops cosign's signature, attestation and SBOM tags. */
function isCosignTag(tag: string): boolean {
  return COSIGN_SUFFIXES.some((s) => tag.endsWith(s));
}

/**
 * Flux parses tags with fluxcd/pkg/version: at least `major.minor.patch` (a `v` prefix is fine),
 * then Masterminds semver. Returns undefined for tags that are not versions.
 */
function parseVersionTag(tag: string): semver.SemVer | undefined {
  if (tag.split('.').length < 3) return undefined;
  return semver.parse(tag, { loose: true }) ?? undefined;
}

/** Translates a Masterminds constraint (commas mean AND) into node-semver's range syntax. */
function parseConstraint(constraint: string): semver.Range {
  const normalised = constraint
    .split('||')
    .map((part) => part.replace(/,/g, ' ').trim())
    .join(' || ');
  try {
    return new semver.Range(normalised, { loose: true });
  } catch {
    throw new PipelineError({ code: 'FILTER_INVALID', filter: 'semver', value: constraint });
  }
}

/** `flux list artifacts --filter-regex` compiles with Go's regexp, and so does this. */
async function compileRegex(pattern: string): Promise<GoRegexp> {
  try {
    return await compileGoRegexp(pattern);
  } catch (err) {
    throw new PipelineError({
      code: 'FILTER_INVALID',
      filter: 'regex',
      value: pattern,
      ...(err instanceof GoRegexpSyntaxError ? { detail: err.message } : {}),
    });
  }
}

/** Tags in `flux list artifacts` order (descending), filtered. */
async function selectTags(tags: string[], filters: ListFilters): Promise<string[]> {
  let out = tags.filter((t) => !isCosignTag(t)).sort((a, b) => (a > b ? -1 : a < b ? 1 : 0));
  if (filters.semver) {
    const range = parseConstraint(filters.semver);
    out = out.filter((t) => {
      const v = parseVersionTag(t);
      return v !== undefined && range.test(v);
    });
  }
  if (filters.regex) {
    const re = await compileRegex(filters.regex);
    out = out.filter((t) => re.test(t));
  }
  return out;
}

/** Lists a repository like `flux list artifacts`, reading each tag's manifest annotations. */
export async function listArtifacts(
  client: RegistryClient,
  filters: ListFilters = {},
  concurrency = 8,
): Promise<ListedArtifact[]> {
  const tags = await selectTags(await client.listTags(), filters);
  const results: ListedArtifact[] = new Array(tags.length);
  let next = 0;
  const worker = async () => {
    try {
      while (next < tags.length) {
        const i = next++;
        const tag = tags[i] as string;
        const m = await client.getManifest(tag);
        const a = manifestAnnotations(m.bytes);
        results[i] = {
          tag,
          digest: m.digest,
          source: a[SOURCE_ANNOTATION],
          revision: a[REVISION_ANNOTATION],
          created: a[CREATED_ANNOTATION],
        };
      }
    } catch (err) {
      next = tags.length; // the others take no more; their reads settle before the error
      throw err;
    }
  };
  await allSettled(Array.from({ length: Math.min(concurrency, tags.length) }, worker));
  return results;
}
