/**
 * Signature verification with exactly the rules of Flux's source-controller v1.9.x and v1.10.x
 * (Flux v2.9.x, v2.10.x; same internal/oci/cosign code), `spec.verify.provider: cosign`:
 *
 * 1. Look for Sigstore bundles among the artifact's referrers (API, else the `sha256-<hex>` tag).
 *    If at least one v0.3 bundle is found, decide on the bundles only (`cosign-v3`), never
 *    falling back to `.sig`, even when every bundle fails.
 * 2. Otherwise (none found, or the registry failed while listing) decide on the `sha256-<hex>.sig`
 *    tag (`cosign-v2`).
 *
 * With public keys, each key is tried in turn (Flux: one verifier per `*.pub` of the Secret).
 * One deliberate difference: when the `.sig` path decides and the only verifying signatures name
 * another digest in their payload (a copied `.sig`, which Flux accepts), we fail unless
 * `copiedSignature: 'warn'`; `fluxVerified` always carries Flux's answer.
 *
 * See docs/verification.md for the decision table. Behaviour re-implemented from
 * fluxcd/source-controller internal/oci/cosign/cosign.go and
 * internal/controller/ocirepository_controller.go (Apache-2.0).
 */
import type { KeyObject } from 'node:crypto';
import { createPublicKey } from 'node:crypto';
import { SigningError } from '../errors.js';
// The verifier's parts (sigstore-js, TUF, the Go regexp engine) load when verifyArtifact runs
// and only those the decision needs: importing this module costs a start nothing (issue 10).
import type { FoundBundle } from './bundle.js';
import type { CompiledIdentity, IdentityMatch, IdentityMatcher } from './identity.js';
import type { LegacyOutcome } from './legacy.js';
import type { CopiedSignaturePolicy } from './policy.js';
import { type RegistryClientLike, type SignatureSource, signatureSourceFrom } from './source.js';
import type { TrustedRootInput, TufOptions } from './trust.js';

export type { IdentityMatcher } from './identity.js';
export type { CopiedSignaturePolicy } from './policy.js';
export type { SignatureSource } from './source.js';

/**
 * The rule that decided: a bundle referrer (Flux 2.8+ reads only those once one exists), the
 * `.sig` tag, or the `.sig` tag through a signature copied from another digest.
 */
type VerifyRule = 'cosign-v3-bundle' | 'cosign-v2-sig' | 'cosign-v2-sig-copied';

export interface VerifyArtifactOptions {
  /** The artifact's repository (src/oci's RegistryClient); or give `source`. */
  client?: RegistryClientLike;
  /** The registry reads as a SignatureSource (instead of `client`). */
  source?: SignatureSource;
  /** The artifact's manifest digest, `sha256:<hex>` (Flux always verifies by digest). */
  digest: string;
  /** `matchOIDCIdentity` entries (Go RE2). Ignored with public keys, as in Flux. */
  identities?: readonly IdentityMatcher[];
  /** A cosign public key (PEM): Flux's `verify.secretRef` mode. */
  publicKey?: string;
  /** Several public keys (PEM), like the `*.pub` entries of a `verify.secretRef` Secret: any may verify. */
  publicKeys?: readonly string[];
  /** `trusted_root.json` contents (string or parsed), or `tuf` (default) for public-good Sigstore. */
  trustedRoot?: TrustedRootInput;
  tuf?: TufOptions;
  /** Flux requires a transparency-log proof for keyless signatures; only `true` is supported. */
  requireTlog?: true;
  /** A copied `.sig` (payload names another digest): `fail` (default) or `warn` (Flux's answer). */
  copiedSignature?: CopiedSignaturePolicy;
}

/**
 * Why an artifact is not verified: no signature verified (`no-match`, including none found),
 * several identities where Flux's bundle path takes one (`multiple-identities`), or only a `.sig`
 * copied from another digest verified (`copied-signature`, with `copiedSignature: 'fail'`).
 */
type VerifyFailure = 'no-match' | 'multiple-identities' | 'copied-signature';

export interface VerifyResult {
  /** Our verdict: Flux's, except that a copied `.sig` fails unless `copiedSignature: warn`. */
  verified: boolean;
  /** What Flux's source-controller answers for the same artifact and verify block. */
  fluxVerified: boolean;
  /** Which format Flux decided on: the bundle referrers, or the `.sig` tag. */
  format: 'cosign-v3' | 'cosign-v2';
  /** The rule that decided (see VerifyRule). */
  rule: VerifyRule;
  /** The identity that matched (keyless). */
  identity?: IdentityMatch;
  /** Why not verified, as data. */
  failure?: VerifyFailure;
  /** Why not verified, one line; names no action input (src/github adds the fix). */
  reason?: string;
  /** Accepted by Flux, but worth knowing (e.g. what `cosign verify` would reject). */
  warnings: string[];
  /** With several identities on the bundle path: the single entry Flux would take instead. */
  singleIdentity?: IdentityMatcher;
}

function toSource(options: VerifyArtifactOptions): SignatureSource {
  if (options.source) return options.source;
  if (options.client) return signatureSourceFrom(options.client);
  throw new Error('verifyArtifact needs a client or a source');
}

/** One line for a copied `.sig`: what Flux does and why it must not be trusted. */
function copiedSignatureMessage(digest: string, claimed: string): string {
  return `the only signature that verifies is a .sig copied from another artifact: its payload names ${claimed}, not ${digest}; Flux would accept it (its .sig check never compares that digest), but it proves only that the signer signed ${claimed}, and anyone who can push to the repository can copy it, so it must not be trusted (cosign verify rejects it)`;
}

function parseKeys(pems: readonly string[]): KeyObject[] {
  return pems.map((pem, i) => {
    try {
      return createPublicKey(pem);
    } catch {
      throw new SigningError({ code: 'PUBLIC_KEY_INVALID', index: i, count: pems.length });
    }
  });
}

export async function verifyArtifact(options: VerifyArtifactOptions): Promise<VerifyResult> {
  if (!/^sha256:[0-9a-f]{64}$/.test(options.digest)) {
    throw new Error(`verifyArtifact needs a sha256 manifest digest, got ${options.digest}`);
  }
  if (options.requireTlog !== undefined && options.requireTlog !== true) {
    throw new Error(
      'verifyArtifact: Flux always requires the transparency log for keyless signatures',
    );
  }
  const policy = options.copiedSignature ?? 'fail';
  const source = toSource(options);

  const pems = options.publicKeys ?? (options.publicKey !== undefined ? [options.publicKey] : []);
  const keys = pems.length > 0 ? parseKeys(pems) : [];
  const { findBundles, verifyBundles } = await import('./bundle.js');
  const { compileIdentities, singleIdentity } = await import('./identity.js');
  const identities: CompiledIdentity[] =
    keys.length > 0 ? [] : await compileIdentities(options.identities ?? []);

  let found: FoundBundle[] = [];
  try {
    found = await findBundles(source, options.digest);
  } catch {
    // GetBundles failed (e.g. the registry refused the referrers query): Flux uses `.sig`.
    found = [];
  }

  // Trust material is loaded only when a keyless decision needs it (Flux: key mode never does).
  const keyless = async () => ({
    kind: 'keyless' as const,
    trust: await (await import('./trust.js')).loadTrustMaterial(
      options.trustedRoot ?? 'tuf',
      options.tuf,
    ),
    identities,
  });
  // Flux builds one verifier per key and takes the first that verifies; reasons are per key.
  const perKey = (reasons: (string | undefined)[]) =>
    keys.length > 1
      ? reasons.map((r, i) => `key #${i + 1}: ${r ?? 'not verified'}`).join('; ')
      : reasons[0];

  if (found.length > 0) {
    const base = { format: 'cosign-v3' as const, rule: 'cosign-v3-bundle' as const, warnings: [] };
    if (keys.length > 0) {
      const reasons: (string | undefined)[] = [];
      for (const key of keys) {
        const out = verifyBundles(found, options.digest, { kind: 'key', key });
        if (out.verified) return { ...base, verified: true, fluxVerified: true };
        reasons.push(out.reason);
      }
      return {
        ...base,
        verified: false,
        fluxVerified: false,
        failure: 'no-match',
        reason: perKey(reasons) ?? '',
      };
    }
    const mode = await keyless();
    const out = verifyBundles(found, options.digest, mode);
    if (options.identities && options.identities.length > 1) {
      const single = singleIdentity(options.identities);
      const [compiled] = await compileIdentities([single.identity]);
      const would = verifyBundles(found, options.digest, {
        ...mode,
        identities: [compiled as CompiledIdentity],
      }).verified;
      return {
        ...base,
        verified: false,
        fluxVerified: false,
        failure: 'multiple-identities',
        singleIdentity: single.identity,
        reason: `a cosign v3 bundle decides here, and Flux's bundle path takes exactly one matchOIDCIdentity entry (cosign: "unsupported: multiple identities are not supported at this time"), so Flux rejects these ${options.identities.length} entries even if one matches; use the single entry issuer: ${single.identity.issuer} subject: ${single.identity.subject}${would ? ', which verifies this artifact' : ', which does not verify this artifact either'}${single.loosened ? ' (it accepts any of the issuers with any of the subjects)' : ''}`,
      };
    }
    return {
      ...base,
      verified: out.verified,
      fluxVerified: out.verified,
      ...(out.identity ? { identity: out.identity } : {}),
      ...(out.verified ? {} : { failure: 'no-match' as const }),
      ...(out.reason ? { reason: out.reason } : {}),
    };
  }

  const { verifyLegacy } = await import('./legacy.js');
  let out: LegacyOutcome;
  if (keys.length > 0) {
    const outcomes: LegacyOutcome[] = [];
    for (const key of keys)
      outcomes.push(await verifyLegacy(source, options.digest, { kind: 'key', key }));
    out = outcomes.find((o) => o.verified && !o.copiedFrom) ??
      outcomes.find((o) => o.verified) ?? {
        verified: false,
        reason: perKey(outcomes.map((o) => o.reason)) ?? '',
        warnings: [],
      };
  } else {
    out = await verifyLegacy(source, options.digest, await keyless());
  }
  const result: VerifyResult = {
    verified: out.verified,
    fluxVerified: out.verified,
    format: 'cosign-v2',
    rule: out.copiedFrom ? 'cosign-v2-sig-copied' : 'cosign-v2-sig',
    ...(out.identity ? { identity: out.identity } : {}),
    ...(out.verified ? {} : { failure: 'no-match' as const }),
    ...(out.reason ? { reason: out.reason } : {}),
    warnings: [...out.warnings],
  };
  if (out.copiedFrom) {
    const message = copiedSignatureMessage(options.digest, out.copiedFrom);
    if (policy === 'fail') {
      result.verified = false;
      result.failure = 'copied-signature';
      result.reason = message;
    } else {
      result.warnings.push(message);
    }
  }
  return result;
}
