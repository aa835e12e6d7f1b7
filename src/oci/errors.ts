// Registry failures: `RegistryError` keeps what the registry said, `RegistryNetworkError` how a
// request failed on the way (data only; src/github words both); `authError` turns rejected
// credentials into one-line messages naming the input to fix.
import { UserError } from '../util/errors.js';

/** Where the credentials in use came from; decides which input a 401/403 message names. */
export type CredentialSource = 'inputs' | 'docker-config' | 'github-token' | 'anonymous';

export interface RegistryErrorOptions extends ErrorOptions {
  /** `host[:port]` of the registry that answered. */
  registry?: string;
  /** What we asked, e.g. `GET manifest latest`, `upload blob sha256:…`. */
  operation?: string;
}

/** The registry answered, but not what the operation needs (status + OCI error code). */
export class RegistryError extends Error {
  override readonly name = 'RegistryError';
  readonly registry: string | undefined;
  readonly operation: string | undefined;
  constructor(
    message: string,
    readonly status: number,
    /** First `errors[].code` of the OCI error body, e.g. `MANIFEST_UNKNOWN`, `DENIED`. */
    readonly code?: string,
    options?: RegistryErrorOptions,
  ) {
    super(message, options);
    this.registry = options?.registry;
    this.operation = options?.operation;
  }
}

/**
 * How a request to a registry failed on the way (no usable answer): refused or unresolvable
 * (never reached), reset mid-way, silent for longer than the idle timeout (`stalled`), out of
 * retries on 429/5xx (`status`), over the caller's deadline, or an answer over its byte cap.
 */
export type NetworkFailure =
  | 'refused'
  | 'dns'
  | 'tls'
  | 'reset'
  | 'stalled'
  | 'status'
  | 'deadline'
  | 'too-large';

export interface RegistryNetworkErrorData {
  registry: string;
  operation: string;
  failure: NetworkFailure;
  /** Attempts made, first included. */
  attempts: number;
  /** True when the last attempt was the last one allowed (the retry limit was met). */
  exhausted?: boolean;
  /** True when the registry answered at least once (so host and port are right). */
  reached: boolean;
  /** Last HTTP status (for `status`), or the socket error code (`ECONNRESET`, …). */
  status?: number;
  detail?: string;
  /** For `stalled` / `deadline`: the limit in milliseconds. */
  limitMs?: number;
}

/** Data only; the edge (src/github) words it for users, naming inputs. */
export class RegistryNetworkError extends Error {
  override readonly name = 'RegistryNetworkError';
  constructor(
    readonly data: RegistryNetworkErrorData,
    options?: ErrorOptions,
  ) {
    super(describeNetworkFailure(data), options);
  }
}

/** `registry H: GET manifest x: connection reset (ECONNRESET), 5 attempts (retries exhausted)`. */
export function describeNetworkFailure(d: RegistryNetworkErrorData): string {
  const secs = d.limitMs === undefined ? '' : `${Math.round(d.limitMs / 100) / 10} s`;
  const what = ((): string => {
    switch (d.failure) {
      case 'refused':
        return `could not connect (${d.detail ?? 'refused'})`;
      case 'dns':
        return 'host not found (DNS)';
      case 'tls':
        return 'TLS handshake failed (does it speak HTTPS?)';
      case 'reset':
        return `connection reset (${d.detail ?? 'closed'})`;
      case 'stalled':
        return `no data for ${secs} (${d.detail ?? 'idle timeout'})`;
      case 'status':
        return `answered ${d.status ?? '?'}`;
      case 'deadline':
        return secs ? `not done within the deadline of ${secs}` : 'not done within the deadline';
      case 'too-large':
        return `answer larger than ${d.detail ?? 'its cap'}`;
    }
  })();
  const tries = d.exhausted
    ? `, after ${d.attempts} attempts (retry limit reached)`
    : d.attempts > 1
      ? `, after ${d.attempts} attempts`
      : '';
  return `registry ${d.registry}: ${d.operation}: ${what}${tries}`;
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
