/**
 * cosign key pairs: reading (and decrypting) and writing cosign's encrypted private key PEM.
 * Kept apart from the signer (key.ts) so a key's scrypt can start before sigstore-js loads.
 *
 * `cosign generate-key-pair` writes the private key as PEM `ENCRYPTED SIGSTORE PRIVATE KEY` (older
 * cosign: `ENCRYPTED COSIGN PRIVATE KEY`) whose body is the JSON of go-securesystemslib's
 * `encrypted` package: `{"kdf":{"name":"scrypt","params":{"N","r","p"},"salt":b64},
 * "cipher":{"name":"nacl/secretbox","nonce":b64},"ciphertext":b64}`, the key for secretbox being
 * scrypt(password, salt, N, r, p, 32) and the plaintext the PKCS#8 DER private key. Re-implemented
 * from sigstore/sigstore pkg/cryptoutils/privatekey.go (Apache-2.0) and
 * secure-systems-lab/go-securesystemslib encrypted/ (MIT); scrypt parameters are limited to the
 * three sets that package accepts.
 */
import { createPrivateKey, createPublicKey, type KeyObject, randomBytes } from 'node:crypto';
import { xsalsa20poly1305 } from '@noble/ciphers/salsa.js';
import { SigningError } from './errors.js';
import {
  deriveKey,
  ENCRYPTED_COSIGN_KEY_PEM_TYPE,
  ENCRYPTED_SIGSTORE_KEY_PEM_TYPE,
  SCRYPT_PARAMS,
  scrypt,
} from './key-derivation.js';

const DEFAULT_SCRYPT = { N: 65536, r: 8, p: 1 };

interface EncryptedData {
  kdf: { name: string; params: { N: number; r: number; p: number }; salt: string };
  cipher: { name: string; nonce: string };
  ciphertext: string;
}

class WrongPasswordError extends Error {}

export interface CosignKeyPair {
  privateKey: KeyObject;
  /** PKIX PEM, what `cosign public-key` prints. */
  publicKeyPEM: string;
}

/**
 * Parses a cosign private key PEM (encrypted, or plain PKCS#8/SEC 1) and decrypts it with
 * `password`. Failures are `SigningError`s (`SIGNING_KEY_INVALID`, `SIGNING_KEY_PASSWORD`); none
 * contains key material.
 */
export async function loadCosignKey(pem: string, password: string): Promise<CosignKeyPair> {
  const block = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/.exec(pem);
  if (!block) {
    throw new SigningError({ code: 'SIGNING_KEY_INVALID', problem: 'not-pem' });
  }
  const type = block[1] ?? '';
  const body = Buffer.from((block[2] ?? '').replace(/\s+/g, ''), 'base64');
  let privateKey: KeyObject;
  if (type === ENCRYPTED_SIGSTORE_KEY_PEM_TYPE || type === ENCRYPTED_COSIGN_KEY_PEM_TYPE) {
    let der: Uint8Array;
    try {
      der = await decryptSecret(body, Buffer.from(password, 'utf8'));
    } catch (err) {
      if (err instanceof WrongPasswordError) {
        throw new SigningError({ code: 'SIGNING_KEY_PASSWORD' });
      }
      throw new SigningError({
        code: 'SIGNING_KEY_INVALID',
        problem: 'encryption',
        detail: (err as Error).message,
      });
    }
    privateKey = parsePrivateKey(Buffer.from(der), 'pkcs8');
  } else if (type === 'PRIVATE KEY') {
    privateKey = parsePrivateKey(body, 'pkcs8');
  } else if (type === 'EC PRIVATE KEY') {
    privateKey = parsePrivateKey(body, 'sec1');
  } else {
    throw new SigningError({
      code: 'SIGNING_KEY_INVALID',
      problem: 'pem-type',
      detail: type,
      expected: ENCRYPTED_SIGSTORE_KEY_PEM_TYPE,
    });
  }
  const kind = privateKey.asymmetricKeyType;
  if (kind !== 'ec' && kind !== 'rsa' && kind !== 'ed25519') {
    throw new SigningError({
      code: 'SIGNING_KEY_INVALID',
      problem: 'algorithm',
      detail: String(kind),
    });
  }
  return {
    privateKey,
    publicKeyPEM: createPublicKey(privateKey).export({ format: 'pem', type: 'spki' }).toString(),
  };
}

function parsePrivateKey(der: Buffer, type: 'pkcs8' | 'sec1'): KeyObject {
  try {
    return createPrivateKey({ key: der, format: 'der', type });
  } catch {
    throw new SigningError({ code: 'SIGNING_KEY_INVALID', problem: 'unreadable' });
  }
}

/** Decrypts go-securesystemslib `encrypted` JSON. Throws WrongPasswordError when authentication fails. */
export async function decryptSecret(json: Uint8Array, password: Uint8Array): Promise<Uint8Array> {
  let data: EncryptedData;
  try {
    data = JSON.parse(Buffer.from(json).toString('utf8')) as EncryptedData;
  } catch {
    throw new Error('the key body is not JSON');
  }
  if (data?.kdf?.name !== 'scrypt')
    throw new Error(`unsupported key derivation "${data?.kdf?.name}"`);
  if (data.cipher?.name !== 'nacl/secretbox')
    throw new Error(`unsupported cipher "${data.cipher?.name}"`);
  const { N, r, p } = data.kdf.params ?? {};
  if (!SCRYPT_PARAMS.some((s) => s.N === N && s.r === r && s.p === p)) {
    throw new Error('unsupported scrypt parameters');
  }
  const salt = Buffer.from(data.kdf.salt ?? '', 'base64');
  const nonce = Buffer.from(data.cipher.nonce ?? '', 'base64');
  const ciphertext = Buffer.from(data.ciphertext ?? '', 'base64');
  if (nonce.length !== 24) throw new Error('bad nonce length');
  // The derivation started as the step started, when there was one (key-derivation.ts).
  const key = await deriveKey(password, salt, { N, r, p });
  try {
    return xsalsa20poly1305(key, nonce).decrypt(ciphertext);
  } catch {
    throw new WrongPasswordError('decryption failed');
  } finally {
    key.fill(0);
  }
}

/** Encrypts like go-securesystemslib `encrypted.Encrypt` (Standard scrypt parameters by default). */
export async function encryptSecret(
  plaintext: Uint8Array,
  password: Uint8Array,
  params: { N: number; r: number; p: number } = DEFAULT_SCRYPT,
): Promise<Buffer> {
  const salt = randomBytes(32);
  const nonce = randomBytes(24);
  const key = await scrypt(password, salt, params);
  const ciphertext = xsalsa20poly1305(key, nonce).encrypt(plaintext);
  key.fill(0);
  const data: EncryptedData = {
    kdf: { name: 'scrypt', params, salt: salt.toString('base64') },
    cipher: { name: 'nacl/secretbox', nonce: nonce.toString('base64') },
    ciphertext: Buffer.from(ciphertext).toString('base64'),
  };
  return Buffer.from(JSON.stringify(data));
}

/** PEM of an encrypted cosign private key, as `cosign generate-key-pair` writes it. */
export async function encryptCosignKey(privateKey: KeyObject, password: string): Promise<string> {
  const der = privateKey.export({ format: 'der', type: 'pkcs8' });
  const body = await encryptSecret(der, Buffer.from(password, 'utf8'));
  const lines = body.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${ENCRYPTED_SIGSTORE_KEY_PEM_TYPE}-----\n${lines.join('\n')}\n-----END ${ENCRYPTED_SIGSTORE_KEY_PEM_TYPE}-----\n`;
}
