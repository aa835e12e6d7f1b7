/** Reading what a Fulcio certificate says about the signer (SAN and OIDC issuer). */
import { ASN1Obj, X509Certificate } from '@sigstore/core';
import type { CertificateIdentity } from './types.js';

/** Fulcio extension OIDs (sigstore/fulcio docs/oid-info.md). */
export const OID_ISSUER_V1 = '1.3.6.1.4.1.57264.1.1';
export const OID_ISSUER_V2 = '1.3.6.1.4.1.57264.1.8';

/** SAN (URI, else email) and OIDC issuer (.1.8 DER UTF8String, else legacy .1.1 raw) of a PEM certificate. */
export function certificateIdentity(pem: string): CertificateIdentity {
  const cert = X509Certificate.parse(pem);
  const san = cert.extSubjectAltName;
  const identity = san?.uri ?? san?.rfc822Name ?? '';
  return { certificateIdentity: identity, certificateOidcIssuer: certificateIssuer(cert) };
}

function certificateIssuer(cert: X509Certificate): string {
  const v2 = cert.extension(OID_ISSUER_V2);
  if (v2) {
    try {
      const obj = ASN1Obj.parseBuffer(Buffer.from(v2.value));
      return obj.value.toString('utf8');
    } catch {
      // fall through to the legacy extension
    }
  }
  const v1 = cert.extension(OID_ISSUER_V1);
  return v1 ? Buffer.from(v1.value).toString('utf8') : '';
}

/** `notAfter` of a PEM certificate. */
export function certificateNotAfter(pem: string): Date {
  return X509Certificate.parse(pem).notAfter;
}

/** DER → PEM with 64-column lines (as Go's pem.Encode writes). */
function toPEM(der: Uint8Array, type = 'CERTIFICATE'): string {
  const b64 = Buffer.from(der).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${type}-----\n${lines.join('\n')}\n-----END ${type}-----\n`;
}

/** Splits concatenated PEM blocks (each returned with a trailing newline). */
export function splitPEM(pem: string): string[] {
  return (pem.match(/-----BEGIN [A-Z0-9 ]+-----[\s\S]+?-----END [A-Z0-9 ]+-----/g) ?? []).map(
    (b) => `${b}\n`,
  );
}

/** Re-encodes one PEM block with 64-column lines. */
export function normalizePEM(pem: string): string {
  const m = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]+?)-----END \1-----/.exec(pem);
  if (!m) throw new Error('not a PEM block');
  return toPEM(Buffer.from((m[2] ?? '').replace(/\s+/g, ''), 'base64'), m[1]);
}
