/**
 * cosign encrypted private keys: decryption of go-securesystemslib's published test vectors
 * (encrypted/encrypted_test.go, MIT: passphrase "supersecret", plaintext "reallyimportant"),
 * round trips, wrong passwords, malformed keys, and signatures verifying with the exported public key.
 */
import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { describe, it } from 'node:test';
import { failureInput, failureMessage } from '../../src/github/errors.js';
import { SigningError } from '../../src/signing/errors.js';
import {
  decryptSecret,
  encryptCosignKey,
  encryptSecret,
  KeySigner,
  loadCosignKey,
} from '../../src/signing/key.js';
import { startKeyDerivation } from '../../src/signing/key-derivation.js';

const VECTORS = [
  '{"kdf":{"name":"scrypt","params":{"N":32768,"r":8,"p":1},"salt":"WO3mVvyTwJ9vwT5/Tk5OW5WPIBUofMjcpEfrLnfY4uA="},"cipher":{"name":"nacl/secretbox","nonce":"tCy7HcTFr4uxv4Nrg/DWmncuZ148U1MX"},"ciphertext":"08n43p5G5yviPEZpO7tPPF4aZQkWiWjkv4taFdhDBA0tamKH4nw="}',
  '{"kdf":{"name":"scrypt","params":{"N":65536,"r":8,"p":1},"salt":"FhzPOt9/bJG4PTq6lQ6ecG6GzaOuOy/ynG5+yRiFlNs="},"cipher":{"name":"nacl/secretbox","nonce":"aw1ng1jHaDz/tQ7V2gR9O2+IGQ8xJEuE"},"ciphertext":"HycvuLZL4sYH0BrYTh4E/H20VtAW6u5zL5Pr+IBjYLYnCPzDkq8="}',
];
const pass = (s: string) => Buffer.from(s, 'utf8');

function expectInput(input: string) {
  return (err: unknown) => {
    assert.ok(err instanceof SigningError, String(err));
    // The domain names no input; the edge's line does.
    assert.equal(err.message.includes(input), false, err.message);
    assert.equal(failureInput(err), input);
    const line = failureMessage(err) ?? '';
    assert.ok(line.includes(`\`${input}\``), line);
    assert.equal(line.includes('\n'), false);
    return true;
  };
}

describe('cosign encrypted key format', () => {
  it('decrypts go-securesystemslib vectors (Legacy and Standard scrypt)', async () => {
    for (const v of VECTORS) {
      // The vectors were made with encrypted.Marshal: the plaintext is the JSON of a Go []byte.
      const plain = await decryptSecret(Buffer.from(v), pass('supersecret'));
      const bytes = JSON.parse(Buffer.from(plain).toString('utf8')) as string;
      assert.equal(Buffer.from(bytes, 'base64').toString('utf8'), 'reallyimportant');
    }
  });

  it('fails authentication with a wrong password and rejects unsupported scrypt parameters', async () => {
    await assert.rejects(
      decryptSecret(Buffer.from(VECTORS[0] ?? ''), pass('wrong')),
      /decryption failed/,
    );
    const bad = (VECTORS[0] ?? '').replace('"N":32768', '"N":1048576');
    await assert.rejects(
      decryptSecret(Buffer.from(bad), pass('supersecret')),
      /unsupported scrypt parameters/,
    );
  });

  it('round-trips through encryptSecret with the Standard parameters', async () => {
    const enc = await encryptSecret(Buffer.from('hello'), pass('pw'));
    const json = JSON.parse(enc.toString());
    assert.deepEqual(Object.keys(json), ['kdf', 'cipher', 'ciphertext']);
    assert.deepEqual(json.kdf.params, { N: 65536, r: 8, p: 1 });
    assert.equal(Buffer.from(json.kdf.salt, 'base64').length, 32);
    assert.equal(Buffer.from(json.cipher.nonce, 'base64').length, 24);
    assert.equal(Buffer.from(await decryptSecret(enc, pass('pw'))).toString(), 'hello');
  });
});

describe('loadCosignKey', () => {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });

  it('loads an encrypted key and exports the public key as cosign public-key prints it', async () => {
    const pem = await encryptCosignKey(privateKey, 'correct horse');
    assert.match(pem, /^-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n/);
    const pair = await loadCosignKey(pem, 'correct horse');
    assert.match(
      pair.publicKeyPEM,
      /^-----BEGIN PUBLIC KEY-----\n[\s\S]+\n-----END PUBLIC KEY-----\n$/,
    );
    assert.equal(
      pair.publicKeyPEM,
      createPublicKey(privateKey).export({ format: 'pem', type: 'spki' }).toString(),
    );
    // The older PEM type is accepted too.
    const legacy = pem.replaceAll('ENCRYPTED SIGSTORE PRIVATE KEY', 'ENCRYPTED COSIGN PRIVATE KEY');
    assert.equal((await loadCosignKey(legacy, 'correct horse')).publicKeyPEM, pair.publicKeyPEM);
  });

  it('names cosign-key-password on a wrong password, without echoing it', async () => {
    const pem = await encryptCosignKey(privateKey, 'right-password');
    await assert.rejects(loadCosignKey(pem, 'wrong-password-123'), (err: unknown) => {
      expectInput('cosign-key-password')(err);
      assert.equal((err as Error).message.includes('wrong-password-123'), false);
      assert.equal((err as Error).message.includes('right-password'), false);
      return true;
    });
  });

  it('names cosign-key for malformed keys', async () => {
    await assert.rejects(loadCosignKey('not a key', 'x'), expectInput('cosign-key'));
    await assert.rejects(
      loadCosignKey('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n', 'x'),
      expectInput('cosign-key'),
    );
    const garbage = `-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n${Buffer.from('{"kdf":{}}').toString('base64')}\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n`;
    await assert.rejects(loadCosignKey(garbage, 'x'), expectInput('cosign-key'));
  });

  it('accepts unencrypted PKCS#8 keys', async () => {
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const pair = await loadCosignKey(pem, '');
    assert.match(pair.publicKeyPEM, /BEGIN PUBLIC KEY/);
  });
});

// src/github/early-key.ts starts a key's scrypt as the step starts; the load that follows takes it
// only when password, salt and parameters are the same, and only once.
describe('a key derivation started early', () => {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const publicPEM = createPublicKey(privateKey).export({ format: 'pem', type: 'spki' }).toString();

  it('is taken by the load with the same password, once (a second load derives anew)', async () => {
    const pem = await encryptCosignKey(privateKey, 'early-pw');
    startKeyDerivation(pem, 'early-pw');
    assert.equal((await loadCosignKey(pem, 'early-pw')).publicKeyPEM, publicPEM);
    // The first load zeroed the derived key it used: a second load must not get it again.
    assert.equal((await loadCosignKey(pem, 'early-pw')).publicKeyPEM, publicPEM);
  });

  it('started with another password: a wrong password still fails, the right one still loads', async () => {
    const pem = await encryptCosignKey(privateKey, 'right-pw');
    startKeyDerivation(pem, 'right-pw');
    await assert.rejects(loadCosignKey(pem, 'wrong-pw'), expectInput('cosign-key-password'));
    startKeyDerivation(pem, 'wrong-pw');
    assert.equal((await loadCosignKey(pem, 'right-pw')).publicKeyPEM, publicPEM);
  });

  it('ignores what it cannot read (the load reports it)', async () => {
    startKeyDerivation('not a key', 'x');
    startKeyDerivation(
      '-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\nnot json\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n',
      'x',
    );
    await assert.rejects(loadCosignKey('not a key', 'x'), expectInput('cosign-key'));
  });
});

describe('KeySigner', () => {
  it('signs messages verifiable with the public key and reports no identity', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = await encryptCosignKey(privateKey, '');
    const signer = await KeySigner.fromPEM(pem, '');
    assert.equal(signer.kind, 'key');
    assert.equal(signer.identity(), undefined);
    const payload = Buffer.from('{"critical":{}}');
    const sig = await signer.signMessage(payload);
    assert.equal(sig.certificatePEM, undefined);
    assert.deepEqual(sig.chainPEM, []);
    assert.ok(verify('sha256', payload, signer.publicKeyPEM() ?? '', sig.signature));
    assert.ok(sig.bundle.verificationMaterial.publicKey);
    assert.equal((sig.bundle.verificationMaterial.tlogEntries ?? []).length, 0);
    const dsse = await signer.signDSSE(Buffer.from('{}'), 'application/vnd.in-toto+json');
    assert.equal(dsse.mediaType, 'application/vnd.dev.sigstore.bundle.v0.3+json');
    assert.equal(dsse.dsseEnvelope?.signatures.length, 1);
    // cosign writes an empty keyid; a non-empty one that is not the key's SSH fingerprint makes
    // go-securesystemslib (Flux, cosign verify) skip the key.
    assert.equal(dsse.dsseEnvelope?.signatures[0]?.keyid ?? '', '');
  });
});
