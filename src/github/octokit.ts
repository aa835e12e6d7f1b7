// GitHub's REST API through @actions/github (Octokit with the REST endpoint methods and
// pagination; `GITHUB_API_URL` selects the server, so GHES and test servers work).
// Loaded on the first API call only: Octokit is ~100 KB of bundle that most runs never need.
import type { getOctokit } from '@actions/github';
import { UserError } from '../util/errors.js';

export type Octokit = ReturnType<typeof getOctokit>;

export async function createOctokit(token: string): Promise<Octokit> {
  const { getOctokit } = await import('@actions/github');
  return getOctokit(token, { baseUrl: process.env.GITHUB_API_URL || 'https://api.github.com' });
}

/** Status and GitHub's `message` of a failed Octokit request (a `RequestError`). */
export function apiFailure(err: unknown): { status?: number; message?: string } {
  const e = err as { status?: unknown; response?: { data?: unknown } };
  const status = typeof e?.status === 'number' ? e.status : undefined;
  const data = e?.response?.data as { message?: unknown } | undefined;
  const message = typeof data?.message === 'string' ? data.message : undefined;
  return { ...(status !== undefined ? { status } : {}), ...(message ? { message } : {}) };
}

/**
 * One line for a failed API call: what we tried, what GitHub said, and for 401/403/404 (which
 * GitHub also answers for "exists but not visible to this token") the fix.
 */
export function apiError(err: unknown, what: string, input: string, fix?: string): UserError {
  const { status, message } = apiFailure(err);
  if (status === undefined) {
    const text = err instanceof Error ? err.message.split('\n')[0] : String(err);
    return new UserError(`GitHub API: could not ${what}: ${text}`, input, { cause: err });
  }
  const said = `${status}${message ? ` ${message}` : ''}`;
  const hint =
    status === 401
      ? 'check github-token'
      : status === 403 || status === 404
        ? (fix ?? 'check the token permissions')
        : undefined;
  return new UserError(`GitHub API: could not ${what} (${said})${hint ? `: ${hint}` : ''}`, input, {
    cause: err,
  });
}
