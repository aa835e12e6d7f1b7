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

/**
 * Signs with a cosign key pair (for clusters using `verify.secretRef`). Made from a key pair
 * still being decrypted, it signs once the pair is there (and fails as its decryption does), so
 * a format writer can start what needs no key (its payload's blob) meanwhile.
 */
export class KeySigner extends BundleSigner {
  readonly kind = 'key' as const;
  #keyPair: CosignKeyPair | undefined;

  private constructor(keyPair: Promise<CosignKeyPair>, options: KeySignerOptions) {
    super(new PrivateKeyHolder(keyPair), options);
    keyPair.then(
      (k) => {
        this.#keyPair = k;
      },
      () => {},
    );
  }

  static async fromPEM(
    pem: string,
    password: string,
    options: KeySignerOptions = {},
  ): Promise<KeySigner> {
    return KeySigner.fromKeyPair(await loadCosignKey(pem, password), options);
  }

  /** From a key pair read or being read (see `loadCosignKey`). */
  static fromKeyPair(
    keyPair: CosignKeyPair | Promise<CosignKeyPair>,
    options: KeySignerOptions = {},
  ): KeySigner {
    const signer = new KeySigner(Promise.resolve(keyPair), options);
    if (!(keyPair instanceof Promise)) signer.#keyPair = keyPair;
    return signer;
  }

  identity(): CertificateIdentity | undefined {
    return undefined;
  }

  /** Once the key pair is decrypted (always, after a signature). */
  publicKeyPEM(): string | undefined {
    return this.#keyPair?.publicKeyPEM;
  }
}

class PrivateKeyHolder implements KeyHolder {
  constructor(private readonly keyPair: Promise<CosignKeyPair>) {}

  async sign(data: Buffer): Promise<Signature & { chainPEM: string[] }> {
    const keyPair = await this.keyPair;
    const alg = keyPair.privateKey.asymmetricKeyType === 'ed25519' ? null : 'sha256';
    return {
      signature: sign(alg, data, keyPair.privateKey),
      // An empty hint becomes the DSSE keyid "", as cosign writes it: go-securesystemslib (which
      // Flux and cosign verify with) skips a key whose fingerprint differs from a non-empty keyid.
      key: { $case: 'publicKey', publicKey: keyPair.publicKeyPEM, hint: '' },
      chainPEM: [],
    };
  }
}
