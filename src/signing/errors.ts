// Signing and verification failures as data (code + what is needed to word them), like
// sigstore-js's error classes. They name no action input and give no GitHub advice:
// src/github/signing-errors.ts turns them into the line a user sees.
import { CodedError } from '../util/errors.js';

/** Every way signing or verification setup fails that a user or a service can cause. */
export type SigningFailure =
  /** The identity provider failed (`detail`) or gave no token. */
  | { code: 'OIDC_TOKEN_UNAVAILABLE'; detail?: string }
  /** The token is not a JWT, or has neither `email` nor `sub`. */
  | { code: 'OIDC_TOKEN_INVALID'; problem: 'not-jwt' | 'no-subject' }
  | { code: 'FULCIO_UNREACHABLE'; url: string; detail: string }
  /** Fulcio answered 401/403 to the token. */
  | { code: 'FULCIO_TOKEN_REJECTED'; url: string; detail: string }
  /** No Fulcio API at the URL (404). */
  | { code: 'FULCIO_NOT_FOUND'; url: string }
  /** Any other HTTP status. */
  | { code: 'FULCIO_REFUSED'; url: string; detail: string }
  | { code: 'FULCIO_FAILED'; url: string; detail: string }
  /** An answer without a certificate, or with a detached SCT only (`detachedSct`). */
  | { code: 'FULCIO_NO_CERTIFICATE'; url: string; detachedSct: boolean }
  | { code: 'REKOR_FAILED'; url: string; detail: string }
  | { code: 'TSA_FAILED'; url: string; detail: string }
  /** A cosign private key that cannot be used; `pemType`/`keyType` say what it holds. */
  | {
      code: 'SIGNING_KEY_INVALID';
      problem: 'not-pem' | 'pem-type' | 'encryption' | 'unreadable' | 'algorithm';
      detail?: string;
      /** For `pem-type`: the PEM type cosign writes. */
      expected?: string;
    }
  /** The password does not decrypt the cosign key. */
  | { code: 'SIGNING_KEY_PASSWORD' }
  /** Public key `index` (0-based) of `count` is not a PEM public key. */
  | { code: 'PUBLIC_KEY_INVALID'; index: number; count: number }
  | { code: 'TRUSTED_ROOT_INVALID'; problem: 'json' | 'format' | 'incomplete'; detail?: string }
  /** The public-good trusted root could not be fetched from its TUF repository `mirror`. */
  | { code: 'TUF_FETCH_FAILED'; mirror: string; detail: string }
  /** Identity `index` (0-based): its issuer or subject is not a Go regexp. */
  | {
      code: 'IDENTITY_REGEXP_INVALID';
      index: number;
      field: 'issuer' | 'subject';
      pattern: string;
      detail: string;
    };

export type SigningErrorCode = SigningFailure['code'];

export class SigningError extends CodedError<SigningErrorCode, SigningFailure> {
  override readonly name = 'SigningError';
  constructor(data: SigningFailure, options?: ErrorOptions) {
    super(data.code, data, describeSigningFailure(data), options);
  }
}

/** What happened, for logs: the edge adds which input to check. */
function describeSigningFailure(f: SigningFailure): string {
  switch (f.code) {
    case 'OIDC_TOKEN_UNAVAILABLE':
      return f.detail === undefined
        ? 'no OIDC identity token is available for keyless signing'
        : `could not get an OIDC identity token for keyless signing (${f.detail})`;
    case 'OIDC_TOKEN_INVALID':
      return f.problem === 'not-jwt'
        ? 'the OIDC identity token for keyless signing is not a JWT'
        : 'the OIDC identity token for keyless signing has no `sub` claim';
    case 'FULCIO_UNREACHABLE':
      return `cannot reach Fulcio at ${f.url} (${f.detail})`;
    case 'FULCIO_TOKEN_REJECTED':
      return `Fulcio at ${f.url} rejected the OIDC identity token (${f.detail})`;
    case 'FULCIO_NOT_FOUND':
      return `${f.url} has no Fulcio API (/api/v2/signingCert answered 404)`;
    case 'FULCIO_REFUSED':
      return `Fulcio at ${f.url} refused the certificate request (${f.detail})`;
    case 'FULCIO_FAILED':
      return `certificate request to Fulcio at ${f.url} failed (${f.detail})`;
    case 'FULCIO_NO_CERTIFICATE':
      return f.detachedSct
        ? `Fulcio at ${f.url} issued a certificate without an embedded SCT, which Flux and cosign reject`
        : `Fulcio at ${f.url} answered without a certificate`;
    case 'REKOR_FAILED':
      return `could not record the signature in the Rekor transparency log at ${f.url} (${f.detail})`;
    case 'TSA_FAILED':
      return `could not get an RFC 3161 timestamp from ${f.url} (${f.detail})`;
    case 'SIGNING_KEY_INVALID':
      switch (f.problem) {
        case 'not-pem':
          return 'the signing key is not a PEM private key';
        case 'pem-type':
          return `the signing key holds a "${f.detail}" PEM block; expected "${f.expected}"`;
        case 'encryption':
          return `the signing key is not a valid cosign encrypted key (${f.detail})`;
        case 'unreadable':
          return 'the signing key does not hold a readable private key';
        case 'algorithm':
          return `the signing key is a ${f.detail} key; cosign signs with ECDSA, RSA or Ed25519 keys`;
      }
      break;
    case 'SIGNING_KEY_PASSWORD':
      return 'the password does not decrypt the signing key';
    case 'PUBLIC_KEY_INVALID':
      return `${f.count > 1 ? `public key #${f.index + 1}` : 'the public key'} is not a PEM public key`;
    case 'TRUSTED_ROOT_INVALID':
      return f.problem === 'json'
        ? 'the trusted root is not valid JSON'
        : f.problem === 'format'
          ? `not a Sigstore trusted root (${f.detail})`
          : 'the trusted root has no certificate authority or no transparency log; keyless verification needs both';
    case 'TUF_FETCH_FAILED':
      return `could not fetch Sigstore's public-good trusted root from its TUF repository ${f.mirror} (${f.detail})`;
    case 'IDENTITY_REGEXP_INVALID':
      return `identity #${f.index + 1}: ${f.field} regexp ${JSON.stringify(f.pattern)} is not usable (${f.detail})`;
  }
}
