import * as core from '@actions/core';
import { isRFC3339, formatCreated as rfc3339 } from '../artifact/index.js';
import { UserError } from '../util/errors.js';
import type { Provenance } from './context.js';

/**
 * Resolves the `created` input: `commit` (default: the commit's timestamp from the event payload or
 * from git in the workspace, so a re-run gives the same digest), `now`, `epoch`, or an RFC 3339
 * time (normalised to UTC, as Flux v2.9 requires a parsable value).
 */
export async function resolveCreated(
  input: string | undefined,
  p: Provenance,
  now: () => Date = () => new Date(),
): Promise<string> {
  const value = (input ?? 'commit').trim();
  if (value === 'now') return rfc3339(now());
  if (value === 'epoch') return '1970-01-01T00:00:00Z';
  if (value === 'commit') {
    // The checkout's commit time is in the provenance already (src/github/checkout.ts): a
    // workspace without one has no git to ask.
    if (p.commitTime) return rfc3339(new Date(p.commitTime));
    core.warning(
      `created: neither the event payload nor a git checkout in the workspace gives the time of commit ${p.sha.slice(0, 7) || '(none)'}; using the current time, so re-runs change the digest; check out the repository with actions/checkout, or set created: epoch`,
    );
    return rfc3339(now());
  }
  if (!isRFC3339(value)) {
    throw new UserError(
      `input created must be commit, now, epoch or an RFC 3339 time like 2026-01-02T03:04:05Z, got "${value}"`,
      'created',
    );
  }
  return rfc3339(new Date(value));
}
