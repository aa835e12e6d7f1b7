// The credential kinds a registry request can carry; kept apart from their sources so the
// transport does not depend on how they were found.
import type { CredentialSource } from './errors.js';

export type Credentials =
  | { kind: 'anonymous'; source: 'anonymous' }
  /** Sent as Basic, or exchanged for a bearer token with a GET to the token realm. */
  | { kind: 'basic'; username: string; password: string; source: CredentialSource }
  /** An OAuth2 refresh token (`identitytoken`), exchanged with a POST to the token realm. */
  | { kind: 'identity-token'; token: string; username?: string; source: CredentialSource }
  /** A bearer token used as is (`registrytoken`). */
  | { kind: 'registry-token'; token: string; source: CredentialSource };

export const ANONYMOUS: Credentials = { kind: 'anonymous', source: 'anonymous' };

/** Runs a program with `input` on stdin; injected so tests and the entry point can choose how. */
export type ExecFn = (
  file: string,
  args: string[],
  input: string,
) => Promise<{ code: number; stdout: string; stderr: string }>;

/** Called with every secret found, e.g. core.setSecret, so it never shows in logs. */
export type MaskFn = (secret: string) => void;

/** The `Authorization` value of Basic credentials. */
export function basicHeader(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}
