/**
 * Certificate identities as Flux (cosign v3.0.6 + sigstore-go v1.2.0) reads and matches them.
 *
 * - Legacy `.sig` path (cosign `CheckCertificatePolicy`): the issuer is only the raw value of
 *   OID 1.3.6.1.4.1.57264.1.1; the subject regexp is tried against every SAN (DNS names, emails,
 *   IPs, URIs, then the Fulcio OtherName, in that order), and the identities are ORed.
 * - Bundle path (sigstore-go `SummarizeCertificate` + `CertificateIdentity.Verify`): the issuer is
 *   whichever of OID .1.1 (raw) and .1.8 (DER string) comes last in the certificate; the SAN is
 *   the first URI, else the first email, else the OtherName; exactly one identity is allowed.
 *
 * Behaviour re-implemented from sigstore/cosign and sigstore/sigstore-go (Apache-2.0).
 */
import { ASN1Obj, type X509Certificate } from '@sigstore/core';
import { type GoRegexp, GoRegexpSyntaxError, goRegexpCompiler } from '../../util/go-regexp.js';
import { OID_ISSUER_V1, OID_ISSUER_V2 } from '../certificate.js';
import { SigningError } from '../errors.js';

/** One `matchOIDCIdentity` entry: Go RE2 regexps, unanchored unless the user anchors them. */
export interface IdentityMatcher {
  issuer: string;
  subject: string;
}

export interface CompiledIdentity {
  issuer: string;
  subject: string;
  issuerRegExp: GoRegexp;
  subjectRegExp: GoRegexp;
}

const OID_OTHERNAME_SAN = '1.3.6.1.4.1.57264.1.7';
const OID_SAN = '2.5.29.17';

/** Compiles the identities with Go's regexp rules; a pattern Go rejects is `IDENTITY_REGEXP_INVALID`. */
export async function compileIdentities(
  identities: readonly IdentityMatcher[],
): Promise<CompiledIdentity[]> {
  if (identities.length === 0) return [];
  const goRegexp = await goRegexpCompiler();
  return identities.map((id, i) => {
    const compile = (field: 'issuer' | 'subject', pattern: string): GoRegexp => {
      try {
        // Go's regexp.Compile("") matches everything, and so does this.
        return goRegexp(pattern);
      } catch (err) {
        const why = err instanceof GoRegexpSyntaxError ? err.message : String(err);
        throw new SigningError({
          code: 'IDENTITY_REGEXP_INVALID',
          index: i,
          field,
          pattern,
          detail: why,
        });
      }
    };
    return {
      issuer: id.issuer,
      subject: id.subject,
      issuerRegExp: compile('issuer', id.issuer),
      subjectRegExp: compile('subject', id.subject),
    };
  });
}

function ipToString(bytes: Buffer): string {
  if (bytes.length === 4) return Array.from(bytes).join('.');
  if (bytes.length !== 16) return `?${bytes.toString('hex')}`;
  // IPv4-mapped addresses print as IPv4, as Go's net.IP.String does.
  if (bytes.subarray(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) {
    return Array.from(bytes.subarray(12)).join('.');
  }
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i));
  // Longest run (length >= 2) of zero groups becomes '::'.
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

interface CertificateSans {
  dns: string[];
  emails: string[];
  ips: string[];
  uris: string[];
  otherName?: string;
}

function certificateSans(cert: X509Certificate): CertificateSans {
  const sans: CertificateSans = { dns: [], emails: [], ips: [], uris: [] };
  const ext = cert.extension(OID_SAN);
  if (!ext) return sans;
  const otherNames: string[] = [];
  for (const gn of ext.valueObj.subs[0]?.subs ?? []) {
    if (gn.tag.isContextSpecific(0x00)) {
      // OtherName ::= SEQUENCE { type-id OID, value [0] EXPLICIT UTF8String }
      const oid = gn.subs[0]?.toOID();
      const value = gn.subs[1]?.subs[0]?.value;
      if (oid === OID_OTHERNAME_SAN && value) otherNames.push(value.toString('utf8'));
      else otherNames.push('');
    } else if (gn.tag.isContextSpecific(0x01)) sans.emails.push(gn.value.toString('ascii'));
    else if (gn.tag.isContextSpecific(0x02)) sans.dns.push(gn.value.toString('ascii'));
    else if (gn.tag.isContextSpecific(0x06)) sans.uris.push(gn.value.toString('ascii'));
    else if (gn.tag.isContextSpecific(0x07)) sans.ips.push(ipToString(gn.value));
  }
  // sigstore's UnmarshalOtherNameSAN accepts exactly one OtherName, of Fulcio's type.
  if (otherNames.length === 1 && otherNames[0]) sans.otherName = otherNames[0];
  return sans;
}

/** cryptoutils.GetSubjectAlternateNames order: DNS, emails, IPs, URIs, OtherName. */
function allSans(cert: X509Certificate): string[] {
  const s = certificateSans(cert);
  return [...s.dns, ...s.emails, ...s.ips, ...s.uris, ...(s.otherName ? [s.otherName] : [])];
}

/** sigstore-go SummarizeCertificate's SAN: first URI, else first email, else OtherName. */
function summarySan(cert: X509Certificate): string | undefined {
  const s = certificateSans(cert);
  return s.uris[0] || s.emails[0] || s.otherName || undefined;
}

/** cosign CertExtensions.GetIssuer: OID .1.1 only, raw bytes. */
function legacyIssuer(cert: X509Certificate): string {
  return cert.extension(OID_ISSUER_V1)?.value.toString('utf8') ?? '';
}

function derString(value: Buffer): string | undefined {
  try {
    const obj = ASN1Obj.parseBuffer(value as Buffer<ArrayBuffer>);
    // UTF8String (12), PrintableString (19), IA5String (22): what Go's asn1.Unmarshal into string takes.
    if (obj.tag.number === 12 || obj.tag.number === 19 || obj.tag.number === 22)
      return obj.value.toString('utf8');
  } catch {
    // falls through
  }
  return undefined;
}

/** sigstore-go ParseExtensions' Issuer: .1.1 (raw) or .1.8 (DER), the later one in the cert wins. */
function bundleIssuer(cert: X509Certificate): string | undefined {
  let issuer: string | undefined;
  for (const ext of cert.extensions) {
    const oid = ext.subs[0]?.toOID();
    const value = ext.subs[ext.subs.length - 1]?.value;
    if (!value) continue;
    if (oid === OID_ISSUER_V1) issuer = value.toString('utf8');
    else if (oid === OID_ISSUER_V2) {
      const s = derString(value);
      if (s === undefined)
        throw new Error('certificate has a malformed issuer (1.3.6.1.4.1.57264.1.8) extension');
      issuer = s;
    }
  }
  return issuer;
}

export interface IdentityMatch {
  issuer: string;
  subject: string;
}

/** Legacy path: any identity matches (issuer on .1.1, subject on any SAN); none given = any. */
export function matchLegacy(
  cert: X509Certificate,
  identities: readonly CompiledIdentity[],
): { ok: true; identity: IdentityMatch } | { ok: false; reason: string } {
  const issuer = legacyIssuer(cert);
  const sans = allSans(cert);
  const identity = { issuer, subject: sans.find((s) => s.startsWith('https://')) ?? sans[0] ?? '' };
  if (identities.length === 0) return { ok: true, identity };
  for (const id of identities) {
    if (!id.issuerRegExp.test(issuer)) continue;
    const san = sans.find((s) => id.subjectRegExp.test(s));
    if (san !== undefined) return { ok: true, identity: { issuer, subject: san } };
  }
  return {
    ok: false,
    reason: `none of the expected identities matched what was in the certificate, got subjects [${sans.join(', ')}] with issuer ${issuer}`,
  };
}

/** Bundle path: the single identity must match the summary SAN and the extension issuer. */
export function matchBundle(
  cert: X509Certificate,
  identity: CompiledIdentity,
): { ok: true; identity: IdentityMatch } | { ok: false; reason: string } {
  const san = summarySan(cert);
  if (san === undefined) return { ok: false, reason: 'no Subject Alternative Name found' };
  const issuer = bundleIssuer(cert) ?? '';
  if (!identity.issuerRegExp.test(issuer)) {
    return { ok: false, reason: `expected issuer to match ${identity.issuer}, got ${issuer}` };
  }
  if (!identity.subjectRegExp.test(san)) {
    return { ok: false, reason: `expected SAN to match ${identity.subject}, got ${san}` };
  }
  return { ok: true, identity: { issuer, subject: san } };
}

/** `^…$` with an unescaped final `$` and no `|` inside: safe to strip and re-anchor. */
function anchoredAtom(pattern: string): string | undefined {
  if (!pattern.startsWith('^') || !pattern.endsWith('$')) return undefined;
  const inner = pattern.slice(1, -1);
  // An odd number of backslashes before the `$` escapes it.
  const slashes = /\\*$/.exec(inner)?.[0].length ?? 0;
  if (slashes % 2 === 1 || inner.includes('|')) return undefined;
  return inner;
}

function alternation(patterns: readonly string[]): string {
  const unique = [...new Set(patterns)];
  if (unique.length === 1) return unique[0] as string;
  const atoms = unique.map(anchoredAtom);
  if (atoms.every((a) => a !== undefined)) return `^(?:${atoms.join('|')})$`;
  return unique.map((p) => `(?:${p})`).join('|');
}

/**
 * The one `matchOIDCIdentity` entry that accepts what several entries accept, for Flux's bundle
 * path (which refuses more than one): the issuers and the subjects each as one alternation. With
 * different issuers the pairing is lost (any issuer with any subject), which `loosened` says.
 */
export function singleIdentity(identities: readonly IdentityMatcher[]): {
  identity: IdentityMatcher;
  loosened: boolean;
} {
  const issuers = new Set(identities.map((i) => i.issuer));
  return {
    identity: {
      issuer: alternation(identities.map((i) => i.issuer)),
      subject: alternation(identities.map((i) => i.subject)),
    },
    loosened: issuers.size > 1 && new Set(identities.map((i) => i.subject)).size > 1,
  };
}
