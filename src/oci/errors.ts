// Registry failures: `RegistryError` keeps what the registry said; `toUserError` turns the
// common user mistakes into one-line messages naming the input to fix.
import { UserError } from '../util/errors.js';

/** Where the credentials in use came from; decides which input a 401/403 message names. */
export type CredentialSource = 'inputs' | 'docker-config' | 'github-token' | 'anonymous';

export class RegistryError extends Error {
  override readonly name = 'RegistryError';
  constructor(
    message: string,
    readonly status: number,
    /** First `errors[].code` of the OCI error body, e.g. `MANIFEST_UNKNOWN`, `DENIED`. */
    readonly code?: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Parses the OCI error body `{"errors":[{"code","message","detail"}]}`; tolerant of anything. */
export function parseErrorBody(body: string): { code?: string; message?: string } {
  try {
    const parsed = JSON.parse(body) as { errors?: Array<{ code?: unknown; message?: unknown }> };
    const first = parsed.errors?.[0];
    const out: { code?: string; message?: string } = {};
    if (typeof first?.code === 'string') out.code = first.code;
    if (typeof first?.message === 'string') out.message = first.message;
    return out;
  } catch {
    return {};
  }
}

export interface AuthFailure {
  registry: string;
  repository: string;
  source: CredentialSource;
  /** True when the request needed push (or delete) access. */
  push: boolean;
  /** `unauthorized`: credentials rejected; `denied`: accepted but not allowed to do this. */
  kind: 'unauthorized' | 'denied';
}

/** The one-line message for a rejected or insufficient credential, naming the input at fault. */
export function authError(f: AuthFailure, cause?: unknown): UserError {
  const options = cause === undefined ? undefined : { cause };
  const action = f.push ? 'push to' : 'pull from';
  if (f.kind === 'unauthorized') {
    switch (f.source) {
      case 'inputs':
        return new UserError(
          `registry ${f.registry} rejected the username/password (401): check username/password`,
          'password',
          options,
        );
      case 'docker-config':
        return new UserError(
          `registry ${f.registry} rejected the credentials from the Docker config (401): check username/password or docker login to ${f.registry}`,
          'username',
          options,
        );
      case 'github-token':
        return new UserError(
          `registry ${f.registry} rejected the github-token (401): check github-token, or set username/password`,
          'github-token',
          options,
        );
      case 'anonymous':
        return new UserError(
          `registry ${f.registry} needs credentials to ${action} ${f.repository} (401): set username/password or docker login`,
          'username',
          options,
        );
    }
  }
  const input =
    f.source === 'github-token'
      ? 'github-token'
      : f.source === 'anonymous'
        ? 'username'
        : 'password';
  const fix =
    f.source === 'github-token'
      ? f.push
        ? 'token lacks packages: write: add `permissions: packages: write` to the job'
        : 'token lacks packages: read: add `permissions: packages: read` to the job'
      : f.source === 'anonymous'
        ? 'set username/password or docker login'
        : f.push
          ? 'use credentials with push access to this repository (check username/password or docker login)'
          : 'use credentials with read access to this repository (check username/password or docker login)';
  return new UserError(
    `registry ${f.registry} denied access to ${action} ${f.repository}: ${fix}`,
    input,
    options,
  );
}
