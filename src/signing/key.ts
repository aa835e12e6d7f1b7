/** Key-based signing with a cosign key pair (the key format is in cosign-key.ts). */
import { sign } from 'node:crypto';
import type { Signature } from '@sigstore/sign';
import { type CosignKeyPair, loadCosignKey } from './cosign-key.js';
import type { RetryOptions } from './http.js';
import { BundleSigner, type KeyHolder } from './signer.js';
import type { CertificateIdentity } from './types.js';

export * from './cosign-key.js';
export { preloadSigstore } from './signer.js';

export interface KeySignerOptions extends RetryOptions {
  /** Rekor (v1) base URL to record signatures in (cosign's default); omitted = no log entry. */
  rekorURL?: string;
  tsaURL?: string;
}

/** Signs with a cosign key pair (for clusters using `verify.secretRef`). */
export class KeySigner extends BundleSigner {
  readonly kind = 'key' as const;

  private constructor(
    private readonly keyPair: CosignKeyPair,
    options: KeySignerOptions,
  ) {
    super(new PrivateKeyHolder(keyPair), options);
  }

  static async fromPEM(
    pem: string,
    password: string,
    options: KeySignerOptions = {},
  ): Promise<KeySigner> {
    return new KeySigner(await loadCosignKey(pem, password), options);
  }

  /** From a key pair already read (see `loadCosignKey`). */
  static fromKeyPair(keyPair: CosignKeyPair, options: KeySignerOptions = {}): KeySigner {
    return new KeySigner(keyPair, options);
  }

  identity(): CertificateIdentity | undefined {
    return undefined;
  }

  publicKeyPEM(): string {
    return this.keyPair.publicKeyPEM;
  }
}

class PrivateKeyHolder implements KeyHolder {
  constructor(private readonly keyPair: CosignKeyPair) {}

  async sign(data: Buffer): Promise<Signature & { chainPEM: string[] }> {
    const alg = this.keyPair.privateKey.asymmetricKeyType === 'ed25519' ? null : 'sha256';
    return {
      signature: sign(alg, data, this.keyPair.privateKey),
      // An empty hint becomes the DSSE keyid "", as cosign writes it: go-securesystemslib (which
      // Flux and cosign verify with) skips a key whose fingerprint differs from a non-empty keyid.
      key: { $case: 'publicKey', publicKey: this.keyPair.publicKeyPEM, hint: '' },
      chainPEM: [],
    };
  }
}
