// What went wrong with a registry request, as our typed errors: socket and TLS failures,
// aborts and deadlines, and unexpected statuses (with the OCI error code from the body).
import { CodedError, UserError } from '../util/errors.js';
import { readLimited } from './body.js';
import { DeadlineReached } from './deadline.js';
import {
  type NetworkFailure,
  parseErrorBody,
  RegistryError,
  RegistryNetworkError,
} from './errors.js';
import type { TransportResponse } from './http.js';
import { errorCode } from './retry.js';

/**
 * Ours: typed (code + data, registry data) or already worded; never wrapped again. `CodedError`
 * first: a credential helper's failure carries its ENOENT as cause, which must not read as a
 * network failure.
 */
export function isOurs(err: unknown): boolean {
  return (
    err instanceof CodedError ||
    err instanceof RegistryError ||
    err instanceof RegistryNetworkError ||
    err instanceof UserError
  );
}

/** A socket/HTTP-level failure (undici's or the system's), not a bug in our code. */
export function isNetworkError(err: unknown): boolean {
  const code = errorCode(err);
  if (
    code?.startsWith('UND_ERR') ||
    code?.startsWith('ERR_SSL') ||
    /^E[A-Z]+$/.test(code ?? '') ||
    CERTIFICATE_ERROR.test(code ?? '')
  )
    return true;
  const message = err instanceof Error ? err.message : '';
  return /other side closed|socket|wrong version number|terminated/i.test(message);
}

/** Node's codes for a certificate the runner does not trust (self-signed, unknown CA, expired…). */
const CERTIFICATE_ERROR = /CERT|UNABLE_TO_VERIFY|SELF_SIGNED/;

export function failureOf(err: unknown): NetworkFailure {
  const code = errorCode(err) ?? '';
  const message = err instanceof Error ? err.message : String(err);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'dns';
  if (CERTIFICATE_ERROR.test(code)) return 'certificate';
  if (/wrong version number|ERR_SSL_|EPROTO/i.test(`${code} ${message}`)) return 'tls';
  if (['ECONNREFUSED', 'ENETUNREACH', 'EHOSTUNREACH', 'UND_ERR_CONNECT_TIMEOUT'].includes(code))
    return 'refused';
  if (['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT'].includes(code))
    return 'stalled';
  return 'reset';
}

/** The error for a request aborted by `signal`: a deadline we set, or the caller's reason. */
export function abortError(
  registry: string,
  signal: AbortSignal,
  cause: unknown,
  operation: string,
  attempts: number,
  reached: boolean,
): Error {
  const reason = signal.reason as unknown;
  if (reason instanceof DeadlineReached || (reason as { name?: string })?.name === 'TimeoutError') {
    return new RegistryNetworkError(
      {
        registry,
        operation,
        failure: 'deadline',
        attempts,
        reached,
        ...(reason instanceof DeadlineReached ? { limitMs: reason.limitMs } : {}),
      },
      { cause },
    );
  }
  return reason instanceof Error ? reason : new Error('aborted', { cause });
}

/** A network failure after `attempts` attempts; `idleTimeoutMs` names the limit of a stall. */
export function networkError(
  registry: string,
  err: unknown,
  operation: string,
  attempts: number,
  reached: boolean,
  exhausted: boolean,
  idleTimeoutMs: number,
): RegistryNetworkError {
  const failure = failureOf(err);
  const code = errorCode(err);
  return new RegistryNetworkError(
    {
      registry,
      operation,
      failure,
      attempts,
      exhausted,
      reached: reached && failure !== 'dns',
      ...(code ? { detail: code } : {}),
      ...(failure === 'stalled' ? { limitMs: idleTimeoutMs } : {}),
    },
    { cause: err },
  );
}

/** Turns an unexpected response into a RegistryError carrying the OCI error code. */
export async function unexpected(res: TransportResponse, what: string): Promise<RegistryError> {
  const { code, message } = parseErrorBody(await readLimited(res));
  const detail = [code, message].filter(Boolean).join(': ');
  return new RegistryError(
    `${what}: registry answered ${res.status}${detail ? ` (${detail})` : ''}`,
    res.status,
    code,
    { registry: new URL(res.url).host, operation: what },
  );
}
