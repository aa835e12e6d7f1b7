/**
 * Signature verification with exactly the rules of Flux's source-controller v1.9.x (Flux v2.9.x),
 * `spec.verify.provider: cosign`:
 *
 * 1. Look for Sigstore bundles among the artifact's referrers (API, else the `sha256-<hex>` tag).
 *    If at least one v0.3 bundle is found, decide on the bundles only (`cosign-v3`), never
 *    falling back to `.sig`, even when every bundle fails.
 * 2. Otherwise (none found, or the registry failed while listing) decide on the `sha256-<hex>.sig`
 *    tag (`cosign-v2`).
 *
 * See docs/verification.md for the decision table. Behaviour re-implemented from
 * fluxcd/source-controller internal/oci/cosign/cosign.go (Apache-2.0).
 */
import type { KeyObject } from 'node:crypto';
import { createPublicKey } from 'node:crypto';
import { UserError } from '../../util/errors.js';
import { type FoundBundle, findBundles, verifyBundles } from './bundle.js';
import {
  type CompiledIdentity,
  compileIdentities,
  type IdentityMatch,
  type IdentityMatcher,
} from './identity.js';
import { verifyLegacy } from './legacy.js';
import { type RegistryClientLike, type SignatureSource, signatureSourceFrom } from './source.js';
import { loadTrustMaterial, type TrustedRootInput, type TufOptions } from './trust.js';

export type { IdentityMatcher } from './identity.js';
export type { SignatureSource } from './source.js';

export interface VerifyInputNames {
  identities: string;
  publicKey: string;
  trustedRoot: string;
}

const DEFAULT_INPUTS: VerifyInputNames = {
  identities: 'certificate-identity',
  publicKey: 'public-key',
  trustedRoot: 'trusted-root',
};

export interface VerifyArtifactOptions {
  /** The artifact's repository (src/oci's RegistryClient); or give `source`. */
  client?: RegistryClientLike;
  /** The registry reads as a SignatureSource (instead of `client`). */
  source?: SignatureSource;
  /** The artifact's manifest digest, `sha256:<hex>` (Flux always verifies by digest). */
  digest: string;
  /** `matchOIDCIdentity` entries (Go RE2). Ignored with `publicKey`, as in Flux. */
  identities?: readonly IdentityMatcher[];
  /** A cosign public key (PEM): Flux's `verify.secretRef` mode. */
  publicKey?: string;
  /** `trusted_root.json` contents (string or parsed), or `tuf` (default) for public-good Sigstore. */
  trustedRoot?: TrustedRootInput;
  tuf?: TufOptions;
  /** Flux requires a transparency-log proof for keyless signatures; only `true` is supported. */
  requireTlog?: true;
  /** Action input names used in UserError messages. */
  inputs?: Partial<VerifyInputNames>;
}

export interface VerifyResult {
  verified: boolean;
  /** Which format Flux decided on: the bundle referrers, or the `.sig` tag. */
  format: 'cosign-v3' | 'cosign-v2';
  /** The identity that matched (keyless). */
  identity?: IdentityMatch;
  /** Why not verified. */
  reason?: string;
  /** Accepted by Flux, but worth knowing (e.g. what `cosign verify` would reject). */
  warnings: string[];
}

function toSource(options: VerifyArtifactOptions): SignatureSource {
  if (options.source) return options.source;
  if (options.client) return signatureSourceFrom(options.client);
  throw new Error('verifyArtifact needs a client or a source');
}

export async function verifyArtifact(options: VerifyArtifactOptions): Promise<VerifyResult> {
  const inputs = { ...DEFAULT_INPUTS, ...options.inputs };
  if (!/^sha256:[0-9a-f]{64}$/.test(options.digest)) {
    throw new Error(`verifyArtifact needs a sha256 manifest digest, got ${options.digest}`);
  }
  if (options.requireTlog !== undefined && options.requireTlog !== true) {
    throw new Error(
      'verifyArtifact: Flux always requires the transparency log for keyless signatures',
    );
  }
  const source = toSource(options);

  let key: KeyObject | undefined;
  let identities: CompiledIdentity[] = [];
  if (options.publicKey !== undefined) {
    try {
      key = createPublicKey(options.publicKey);
    } catch {
      throw new UserError(
        `${inputs.publicKey}: not a PEM public key; give the cosign.pub that cosign generate-key-pair wrote`,
        inputs.publicKey,
      );
    }
  } else {
    identities = await compileIdentities(options.identities ?? [], inputs.identities);
  }

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
    trust: await loadTrustMaterial(options.trustedRoot ?? 'tuf', inputs.trustedRoot, options.tuf),
    identities,
  });

  if (found.length > 0) {
    const mode = key ? { kind: 'key' as const, key } : await keyless();
    const out = verifyBundles(found, options.digest, mode);
    return {
      verified: out.verified,
      format: 'cosign-v3',
      ...(out.identity ? { identity: out.identity } : {}),
      ...(out.reason ? { reason: out.reason } : {}),
      warnings: [],
    };
  }
  const mode = key ? { kind: 'key' as const, key } : await keyless();
  const out = await verifyLegacy(source, options.digest, mode);
  return {
    verified: out.verified,
    format: 'cosign-v2',
    ...(out.identity ? { identity: out.identity } : {}),
    ...(out.reason ? { reason: out.reason } : {}),
    warnings: out.warnings,
  };
}
