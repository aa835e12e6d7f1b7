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
  workspace: string,
  now: () => Date = () => new Date(),
): Promise<string> {
  const value = (input ?? 'commit').trim();
  if (value === 'now') return rfc3339(now());
  if (value === 'epoch') return '1970-01-01T00:00:00Z';
  if (value === 'commit') {
    if (p.commitTime) return rfc3339(new Date(p.commitTime));
    const fromGit = await commitTimeFromGit(p.sha, workspace);
    if (fromGit) return fromGit;
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

async function commitTimeFromGit(sha: string, cwd: string): Promise<string | undefined> {
  if (!/^[0-9a-f]{40}$/.test(sha)) return undefined;
  try {
    // Loaded here, after the first line (issue 10's cold start).
    const { getExecOutput } = await import('@actions/exec');
    const r = await getExecOutput('git', ['show', '-s', '--format=%cI', sha], {
      cwd,
      silent: true,
      ignoreReturnCode: true,
    });
    const text = r.stdout.trim();
    return r.exitCode === 0 && isRFC3339(text) ? rfc3339(new Date(text)) : undefined;
  } catch {
    return undefined;
  }
}
