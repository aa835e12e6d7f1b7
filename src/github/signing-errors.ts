// Words signing and verification failures for users: src/signing throws `SigningError`s (code +
// data) and returns structured verify results; this names the input at fault and the fix.
import { SigningError, type SigningFailure } from '../signing/errors.js';
import type { VerifyResult } from '../signing/verify/index.js';

/** The inputs verify and tag read for `verifyArtifact` (verify/action.yml, tag/action.yml). */
const VERIFY_INPUT_NAMES = {
  identities: 'match-oidc-identity',
  publicKey: 'public-key',
  trustedRoot: 'trusted-root',
  copiedSignature: 'copied-signature',
} as const;

/** The input a signing failure is fixed in, if any. */
export function signingInput(f: SigningFailure): string | undefined {
  switch (f.code) {
    case 'FULCIO_UNREACHABLE':
    case 'FULCIO_NOT_FOUND':
    case 'FULCIO_REFUSED':
    case 'FULCIO_FAILED':
    case 'FULCIO_NO_CERTIFICATE':
      return 'fulcio-url';
    case 'REKOR_FAILED':
      return 'rekor-url';
    case 'TSA_FAILED':
      return 'tsa-url';
    case 'SIGNING_KEY_INVALID':
      return 'cosign-key';
    case 'SIGNING_KEY_PASSWORD':
      return 'cosign-key-password';
    case 'PUBLIC_KEY_INVALID':
      return VERIFY_INPUT_NAMES.publicKey;
    case 'TRUSTED_ROOT_INVALID':
    case 'TUF_FETCH_FAILED':
      return VERIFY_INPUT_NAMES.trustedRoot;
    case 'IDENTITY_REGEXP_INVALID':
      return VERIFY_INPUT_NAMES.identities;
    case 'OIDC_TOKEN_UNAVAILABLE':
    case 'OIDC_TOKEN_INVALID':
    case 'FULCIO_TOKEN_REJECTED':
      return undefined;
  }
}

/** One line naming the input and the fix; undefined when `err` is not a SigningError. */
export function signingFailureMessage(err: unknown): string | undefined {
  if (!(err instanceof SigningError)) return undefined;
  return signingMessage(err.data);
}

function signingMessage(f: SigningFailure): string {
  const noToken = 'grant the job `permissions: id-token: write`, or sign with a key (`cosign-key`)';
  switch (f.code) {
    case 'OIDC_TOKEN_UNAVAILABLE':
      return f.detail === undefined
        ? `no OIDC identity token is available for keyless signing; ${noToken}`
        : `could not get an OIDC identity token for keyless signing (${f.detail}); ${noToken}`;
    case 'OIDC_TOKEN_INVALID':
      return f.problem === 'not-jwt'
        ? 'the OIDC identity token for keyless signing is not a JWT; check how the token is obtained'
        : 'the OIDC identity token for keyless signing has no `sub` claim';
    case 'FULCIO_UNREACHABLE':
      return `cannot reach Fulcio at ${f.url} (${f.detail}); check the \`fulcio-url\` input and the network`;
    case 'FULCIO_TOKEN_REJECTED':
      return `Fulcio at ${f.url} rejected the OIDC identity token (${f.detail}); the token must be a fresh token with audience "sigstore" from an issuer that Fulcio trusts`;
    case 'FULCIO_NOT_FOUND':
      return `${f.url} has no Fulcio API (/api/v2/signingCert answered 404); check the \`fulcio-url\` input`;
    case 'FULCIO_REFUSED':
      return `Fulcio at ${f.url} refused the certificate request (${f.detail}); check the \`fulcio-url\` input`;
    case 'FULCIO_FAILED':
      return `certificate request to Fulcio at ${f.url} failed (${f.detail}); check the \`fulcio-url\` input`;
    case 'FULCIO_NO_CERTIFICATE':
      return f.detachedSct
        ? `Fulcio at ${f.url} issued a certificate without an embedded SCT, which Flux and cosign reject; use a Fulcio that embeds SCTs (\`fulcio-url\`)`
        : `Fulcio at ${f.url} answered without a certificate; check the \`fulcio-url\` input`;
    case 'REKOR_FAILED':
      return `could not record the signature in the Rekor transparency log at ${f.url} (${f.detail}); check the \`rekor-url\` input and that the log is reachable`;
    case 'TSA_FAILED':
      return `could not get an RFC 3161 timestamp from ${f.url} (${f.detail}); check the \`tsa-url\` input or leave it empty`;
    case 'SIGNING_KEY_INVALID':
      switch (f.problem) {
        case 'not-pem':
          return '`cosign-key` is not a PEM private key; give the contents of the cosign.key written by `cosign generate-key-pair`';
        case 'pem-type':
          return `\`cosign-key\` holds a "${f.detail}" PEM block; expected "${f.expected}" as written by \`cosign generate-key-pair\``;
        case 'encryption':
          return `\`cosign-key\` is not a valid cosign encrypted key (${f.detail})`;
        case 'unreadable':
          return '`cosign-key` does not hold a readable private key';
        case 'algorithm':
          return `\`cosign-key\` is a ${f.detail} key; cosign signs with ECDSA, RSA or Ed25519 keys`;
      }
      break;
    case 'SIGNING_KEY_PASSWORD':
      return '`cosign-key-password` does not decrypt `cosign-key`; give the password the key pair was generated with (COSIGN_PASSWORD)';
    case 'PUBLIC_KEY_INVALID':
      return `${VERIFY_INPUT_NAMES.publicKey}:${f.count > 1 ? ` key #${f.index + 1}` : ''} not a PEM public key; give the cosign.pub that cosign generate-key-pair wrote`;
    case 'TRUSTED_ROOT_INVALID': {
      const input = VERIFY_INPUT_NAMES.trustedRoot;
      return f.problem === 'json'
        ? `${input}: not valid JSON; give the contents of a Sigstore trusted_root.json`
        : f.problem === 'format'
          ? `${input}: not a Sigstore trusted root (${f.detail})`
          : `${input}: the trusted root has no certificate authority or no transparency log; keyless verification needs both`;
    }
    case 'TUF_FETCH_FAILED':
      return `could not fetch Sigstore's public-good trusted root from its TUF repository ${f.mirror} (${f.detail}): check HTTPS_PROXY/NO_PROXY and NODE_EXTRA_CA_CERTS for that host (docs/network.md), or set ${VERIFY_INPUT_NAMES.trustedRoot} to a trusted_root.json`;
    case 'IDENTITY_REGEXP_INVALID':
      return `${VERIFY_INPUT_NAMES.identities}: ${f.field} regexp #${f.index + 1} ${JSON.stringify(f.pattern)} is not usable (${f.detail}); write it in Go RE2 syntax as in matchOIDCIdentity`;
  }
  // Unreachable (every code is worded above); kept for the type checker.
  return (f as { code: string }).code;
}

/** Why a result is not verified, with the input that changes the verdict where there is one. */
export function verifyReason(result: VerifyResult): string {
  const reason = result.reason ?? 'no matching signature';
  return result.failure === 'copied-signature'
    ? `${reason}; set ${VERIFY_INPUT_NAMES.copiedSignature}: warn to accept it as Flux does`
    : reason;
}

/** The input to check against the signer when a result is not verified. */
export function verifyInput(result: VerifyResult, keyMode: boolean): string {
  if (result.failure === 'copied-signature') return VERIFY_INPUT_NAMES.copiedSignature;
  return keyMode ? VERIFY_INPUT_NAMES.publicKey : VERIFY_INPUT_NAMES.identities;
}
