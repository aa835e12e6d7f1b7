// Registry failures: `RegistryError` keeps what the registry said, `RegistryNetworkError` how a
// request failed on the way, `RegistryAuthError` which credentials were rejected, `OciError`
// (code + data) what src/oci refuses or cannot use before or beside a registry answer (data only;
// src/github/registry-errors.ts words them, naming the input to fix).
import { CodedError } from '../util/errors.js';

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
  override readonly name: string = 'RegistryError';
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
 * What was asked for is not in the registry (404): a manifest or tag (`MANIFEST_UNKNOWN`), or a
 * blob (`BLOB_UNKNOWN`). The one "not found" type of src/oci.
 */
export class NotFoundError extends RegistryError {
  override readonly name = 'NotFoundError';
  declare readonly code: 'MANIFEST_UNKNOWN' | 'BLOB_UNKNOWN';
  constructor(
    /** `registry/path` of the repository. */
    readonly repository: string,
    /** The tag or digest asked for. */
    readonly reference: string,
    readonly kind: 'manifest' | 'blob' = 'manifest',
    options?: RegistryErrorOptions,
  ) {
    const sep = /^[a-z0-9]+:/.test(reference) ? '@' : ':';
    super(
      kind === 'blob'
        ? `blob ${reference} not found in ${repository}`
        : `${repository}${sep}${reference} not found in the registry`,
      404,
      kind === 'blob' ? 'BLOB_UNKNOWN' : 'MANIFEST_UNKNOWN',
      options,
    );
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
  | 'certificate'
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
      case 'certificate':
        return `certificate not trusted (${d.detail ?? 'unknown CA'})`;
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

/**
 * The registry rejected the credentials (`UNAUTHORIZED`, 401) or accepted them without the right
 * to do this (`DENIED`, 403). Data only: which input to fix and how is worded in src/github
 * (registry-errors.ts), from where the credentials came from.
 */
export class RegistryAuthError extends RegistryError {
  override readonly name = 'RegistryAuthError';
  declare readonly code: 'UNAUTHORIZED' | 'DENIED';
  constructor(
    readonly data: AuthFailure,
    options?: ErrorOptions,
  ) {
    const denied = data.kind === 'denied';
    super(
      `registry ${data.registry} ${denied ? 'denied' : 'rejected'} ${describeSource(data.source)} to ${data.push ? 'push to' : 'pull from'} ${data.repository} (${denied ? 403 : 401})`,
      denied ? 403 : 401,
      denied ? 'DENIED' : 'UNAUTHORIZED',
      { ...options, registry: data.registry, operation: data.push ? 'push' : 'pull' },
    );
  }
}

function describeSource(source: CredentialSource): string {
  switch (source) {
    case 'inputs':
      return 'the given credentials';
    case 'docker-config':
      return 'the credentials from the Docker config';
    case 'github-token':
      return 'the GitHub token';
    case 'anonymous':
      return 'anonymous access';
  }
}

/** The typed error for a rejected or insufficient credential (kept for the transport's call sites). */
export function authError(f: AuthFailure, cause?: unknown): RegistryAuthError {
  return new RegistryAuthError(f, cause === undefined ? undefined : { cause });
}

/** What a reference parser was given: a repository, a full reference, a tag or a digest. */
export type ReferenceKind = 'repository' | 'reference' | 'tag' | 'digest';

/**
 * Everything src/oci refuses or cannot use that is not a registry's answer: credentials that do
 * not fit together, a Docker config or credential helper that cannot be used, a token service on
 * plain HTTP, a registry without deletes, a shared tag that could not be confirmed, a reference
 * that does not parse. Data only; src/github/registry-errors.ts names the input and the fix.
 */
export type OciFailure =
  /** Only one of username and password was given. */
  | { code: 'CREDENTIALS_INCOMPLETE'; missing: 'username' | 'password' }
  /** The Docker config at `path` cannot be read (`detail`: errno code), is not JSON, or has a bad `auth`. */
  | {
      code: 'DOCKER_CONFIG_UNUSABLE';
      path: string;
      problem: 'unreadable' | 'json' | 'auth';
      detail?: string;
    }
  /** `docker-credential-<name>` is missing, exited non-zero (`exitCode`), or printed no JSON. */
  | {
      code: 'CREDENTIAL_HELPER_FAILED';
      program: string;
      serverUrl: string;
      problem: 'missing' | 'exit' | 'output';
      exitCode?: number;
    }
  /** The registry's token service is on plain HTTP and credentials would go to it. */
  | { code: 'TOKEN_SERVICE_PLAIN_HTTP'; registry: string; service: string }
  /** DELETE of a manifest refused as unsupported (405 or `UNSUPPORTED`). */
  | {
      code: 'DELETE_UNSUPPORTED';
      registry: string;
      repository: string;
      digest: string;
      status: number;
      ociCode?: string;
    }
  /** A shared tag (`.sig` image, referrers tag) not confirmed to hold our entry; `detail` says why. */
  | { code: 'SHARED_TAG_UNCONFIRMED'; label: string; detail: string }
  /**
   * `value` is not a valid `kind`. `field` is the caller's name for the value (src/github passes
   * the action input); `part` the offending piece (tag, path component, registry, scheme).
   */
  | {
      code: 'REFERENCE_INVALID';
      kind: ReferenceKind;
      value: string;
      field?: string;
      problem:
        | 'empty'
        | 'has-digest'
        | 'has-tag'
        | 'scheme'
        | 'empty-component'
        | 'uppercase'
        | 'path-component'
        | 'too-long'
        | 'registry'
        | 'tag'
        | 'digest';
      part?: string;
    };

export type OciErrorCode = OciFailure['code'];

export class OciError extends CodedError<OciErrorCode, OciFailure> {
  override readonly name: string = 'OciError';
  constructor(data: OciFailure, options?: ErrorOptions) {
    super(data.code, data, describeOciFailure(data), options);
  }
}

/** What happened, for logs: the edge adds the input to fix and how. */
function describeOciFailure(f: OciFailure): string {
  switch (f.code) {
    case 'CREDENTIALS_INCOMPLETE':
      return `a ${f.missing === 'password' ? 'username' : 'password'} was given without a ${f.missing}`;
    case 'DOCKER_CONFIG_UNUSABLE':
      return f.problem === 'unreadable'
        ? `the Docker config ${f.path} cannot be read (${f.detail ?? 'unknown'})`
        : f.problem === 'json'
          ? `the Docker config ${f.path} is not valid JSON`
          : `the Docker config ${f.path} has an "auth" value that is not base64 of user:password`;
    case 'CREDENTIAL_HELPER_FAILED':
      return f.problem === 'missing'
        ? `credential helper ${f.program} is not on PATH`
        : f.problem === 'exit'
          ? `credential helper ${f.program} failed for ${f.serverUrl} (exit code ${f.exitCode})`
          : `credential helper ${f.program} printed something that is not JSON for ${f.serverUrl}`;
    case 'TOKEN_SERVICE_PLAIN_HTTP':
      return `registry ${f.registry} sends credentials to the plain-HTTP token service ${f.service}; refused`;
    case 'DELETE_UNSUPPORTED':
      return `registry ${f.registry} does not allow deleting manifests (${f.status}${f.ociCode ? ` ${f.ociCode}` : ''})`;
    case 'SHARED_TAG_UNCONFIRMED':
      return f.detail;
    case 'REFERENCE_INVALID':
      return `"${f.value}" is not a valid ${f.kind} (${f.problem}${f.part === undefined ? '' : `: ${f.part}`})`;
  }
}
