/**
 * The signer contract used by the format writers (cosign v2 `.sig`, cosign v3 bundle referrer), and
 * the common machinery: sigstore-js bundle builders over our own key holder (so the Fulcio chain is
 * kept), with witness failures turned into `SigningError`s (`REKOR_FAILED`, `TSA_FAILED`).
 *
 * sigstore-js (@sigstore/sign, @sigstore/bundle, protobuf-specs: ~25–45 ms of loading) loads on
 * the first signature, not with the signer: publish sets the signer up while it builds the layer
 * (main-thread work), and signs while the artifact is pushed (waiting for the registry).
 */
import type { SerializedBundle } from '@sigstore/bundle';
import type { Signature, Signer, Witness } from '@sigstore/sign';
import { describeError, UserError } from '../util/errors.js';
import { SigningError } from './errors.js';
import { type RetryOptions, redactTokens } from './http.js';
import type { CertificateIdentity } from './types.js';

export { DEFAULT_FULCIO_URL, DEFAULT_REKOR_URL } from './types.js';

/** A message signature (for cosign v2): the sigstore-js bundle plus what the bundle drops. */
export interface MessageSignature {
  /** Message-signature bundle as sigstore-js builds it (v0.2, `x509CertificateChain` = leaf). */
  bundle: SerializedBundle;
  /** DER ECDSA signature over the payload. */
  signature: Buffer;
  /** Leaf certificate PEM (keyless). */
  certificatePEM?: string;
  /** Intermediates and root PEMs from Fulcio (keyless; leaf excluded). */
  chainPEM: string[];
}

export interface ArtifactSigner {
  readonly kind: 'keyless' | 'key';
  /** Sign `payload` bytes (cosign v2 simple-signing payload). */
  signMessage(payload: Buffer): Promise<MessageSignature>;
  /** Sign `payload` in a DSSE envelope; returns a v0.3 bundle (cosign v3). */
  signDSSE(payload: Buffer, payloadType: string): Promise<SerializedBundle>;
  /** Identity of the last signature (keyless), for `matchOIDCIdentity`. */
  identity(): CertificateIdentity | undefined;
  /** Public key PEM (key-based signing), what `cosign public-key` prints. */
  publicKeyPEM(): string | undefined;
  /**
   * Starts what signing needs that does not depend on the digest (keyless: the OIDC token and
   * the Fulcio certificate), so it runs while the artifact is built and pushed; failures surface
   * at signing. Settles (never rejects) when that is done; `signal` abandons it.
   */
  warmUp?(signal?: AbortSignal): Promise<void>;
}

/** A sigstore-js `Signer` that also reports the certificate chain. */
export interface KeyHolder {
  sign(data: Buffer): Promise<Signature & { chainPEM: string[] }>;
}

export interface WitnessOptions extends RetryOptions {
  /** Rekor (v1 API) base URL; omitted = no transparency log entry. */
  rekorURL?: string;
  /** RFC 3161 TSA URL (base, or ending in `/api/v1/timestamp` as cosign takes it). */
  tsaURL?: string;
}

type SigstoreModules = {
  sign: typeof import('@sigstore/sign');
  bundle: typeof import('@sigstore/bundle');
};
let sigstore: Promise<SigstoreModules> | undefined;
/** sigstore-js, loaded once. CommonJS packages: in the bundle their exports may be `default`. */
function sigstoreModules(): Promise<SigstoreModules> {
  const named = <T extends object>(m: T, name: string): T =>
    name in m ? m : (m as unknown as { default: T }).default;
  sigstore ??= Promise.all([import('@sigstore/sign'), import('@sigstore/bundle')]).then(
    ([sign, bundle]) => ({
      sign: named(sign, 'MessageSignatureBundleBuilder'),
      bundle: named(bundle, 'bundleToJSON'),
    }),
  );
  return sigstore;
}

/** Starts loading sigstore-js now (a cosign key: while its scrypt runs, which signing waits for). */
export function preloadSigstore(): void {
  sigstoreModules().catch(() => {});
}

export abstract class BundleSigner implements ArtifactSigner {
  abstract readonly kind: 'keyless' | 'key';
  private witnessList: Witness[] | undefined;

  protected constructor(
    private readonly holder: KeyHolder,
    private readonly urls: WitnessOptions,
  ) {}

  /** Rekor and TSA witnesses, made once (one client each for every signature of the run). */
  private witnesses({ sign }: SigstoreModules): Witness[] {
    if (this.witnessList) return this.witnessList;
    const urls = this.urls;
    const retry = {
      retries: urls.retries ?? 3,
      factor: 2,
      minTimeout: urls.retryBaseMs ?? 1000,
      maxTimeout: 10_000,
    };
    const timeout = urls.timeoutMs ?? 30_000;
    const list: Witness[] = [];
    if (urls.rekorURL) {
      list.push(
        new sign.RekorWitness({
          rekorBaseURL: trimSlash(urls.rekorURL),
          fetchOnConflict: true,
          timeout,
          retry,
        }),
      );
    }
    if (urls.tsaURL) {
      const tsaBaseURL = trimSlash(urls.tsaURL).replace(/\/api\/v1\/timestamp$/, '');
      list.push(new sign.TSAWitness({ tsaBaseURL, timeout, retry }));
    }
    this.witnessList = list;
    return list;
  }

  abstract identity(): CertificateIdentity | undefined;
  abstract publicKeyPEM(): string | undefined;

  async signMessage(payload: Buffer): Promise<MessageSignature> {
    const modules = await sigstoreModules();
    let captured: (Signature & { chainPEM: string[] }) | undefined;
    const signer: Signer = {
      sign: async (data) => {
        captured = await this.holder.sign(data);
        return { signature: captured.signature, key: captured.key };
      },
    };
    const builder = new modules.sign.MessageSignatureBundleBuilder({
      signer,
      witnesses: this.witnesses(modules),
    });
    const bundle = await this.run(modules, () => builder.create({ data: payload }));
    if (!captured) throw new Error('signer was not called');
    return {
      bundle: modules.bundle.bundleToJSON(bundle),
      signature: captured.signature,
      ...(captured.key.$case === 'x509Certificate'
        ? { certificatePEM: captured.key.certificate }
        : {}),
      chainPEM: captured.chainPEM,
    };
  }

  async signDSSE(payload: Buffer, payloadType: string): Promise<SerializedBundle> {
    const modules = await sigstoreModules();
    const signer: Signer = {
      sign: async (data) => {
        const s = await this.holder.sign(data);
        return { signature: s.signature, key: s.key };
      },
    };
    const builder = new modules.sign.DSSEBundleBuilder({
      signer,
      witnesses: this.witnesses(modules),
      certificateChain: false,
    });
    const bundle = await this.run(modules, () =>
      builder.create({ data: payload, type: payloadType }),
    );
    return modules.bundle.bundleToJSON(bundle);
  }

  /** Runs a bundle build, mapping witness failures to `SigningError`s carrying the URL. */
  private async run<T>({ sign }: SigstoreModules, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof UserError || err instanceof SigningError) throw err;
      if (err instanceof sign.InternalError) {
        const detail = redactTokens(describeError(err.cause ?? err));
        if (err.code.startsWith('TLOG_')) {
          throw new SigningError(
            { code: 'REKOR_FAILED', url: this.urls.rekorURL ?? '', detail },
            { cause: err },
          );
        }
        if (err.code.startsWith('TSA_')) {
          throw new SigningError(
            { code: 'TSA_FAILED', url: this.urls.tsaURL ?? '', detail },
            { cause: err },
          );
        }
      }
      throw err;
    }
  }
}

export function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
