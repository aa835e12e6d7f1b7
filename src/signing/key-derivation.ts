/**
 * The scrypt of a cosign private key (cosign-key.ts has the format), startable before anything
 * else loads: `cosign generate-key-pair` writes N=65536 (~250 ms of CPU), which a step can run in
 * the thread pool while Node loads the rest of the action and builds the artifact, instead of
 * after. Only node:crypto here, so the entry points can import it first; the secretbox (and its
 * library) stay in cosign-key.ts. A derivation started early is used once, by the load whose
 * password, salt and parameters are exactly the same; anything else derives anew, so the result
 * never depends on the early start.
 */
import { scrypt as scryptCallback } from 'node:crypto';

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

/** scrypt parameter sets go-securesystemslib accepts (Legacy, Standard, OWASP). */
export const SCRYPT_PARAMS: readonly ScryptParams[] = [
  { N: 32768, r: 8, p: 1 },
  { N: 65536, r: 8, p: 1 },
  { N: 131072, r: 8, p: 1 },
];

export const ENCRYPTED_SIGSTORE_KEY_PEM_TYPE = 'ENCRYPTED SIGSTORE PRIVATE KEY';
export const ENCRYPTED_COSIGN_KEY_PEM_TYPE = 'ENCRYPTED COSIGN PRIVATE KEY';

/** Derivations started early, by password, salt and parameters; each is taken once. */
const early = new Map<string, Promise<Buffer>>();

const cacheKey = (password: Uint8Array, salt: Uint8Array, p: ScryptParams) =>
  `${Buffer.from(password).toString('base64')}:${Buffer.from(salt).toString('base64')}:${p.N}:${p.r}:${p.p}`;

/** The 32-byte secretbox key: the early derivation when it matches, else a new one. */
export function deriveKey(
  password: Uint8Array,
  salt: Uint8Array,
  params: ScryptParams,
): Promise<Buffer> {
  const k = cacheKey(password, salt, params);
  const started = early.get(k);
  if (started) {
    early.delete(k);
    return started;
  }
  return scrypt(password, salt, params);
}

/**
 * Starts the scrypt of an encrypted cosign key PEM with `password`, to be taken by the load that
 * follows. Anything unreadable is left to that load to report (nothing is thrown or logged here).
 */
export function startKeyDerivation(pem: string, password: string): void {
  try {
    const block = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/.exec(pem);
    const type = block?.[1];
    if (type !== ENCRYPTED_SIGSTORE_KEY_PEM_TYPE && type !== ENCRYPTED_COSIGN_KEY_PEM_TYPE) return;
    const body = Buffer.from((block?.[2] ?? '').replace(/\s+/g, ''), 'base64');
    const data = JSON.parse(body.toString('utf8')) as {
      kdf?: { name?: string; params?: Partial<ScryptParams>; salt?: string };
    };
    const { N, r, p } = data.kdf?.params ?? {};
    const params = SCRYPT_PARAMS.find((s) => s.N === N && s.r === r && s.p === p);
    if (data.kdf?.name !== 'scrypt' || !params) return;
    const pw = Buffer.from(password, 'utf8');
    const salt = Buffer.from(data.kdf.salt ?? '', 'base64');
    const derivation = scrypt(pw, salt, params);
    derivation.catch(() => {});
    early.set(cacheKey(pw, salt, params), derivation);
  } catch {
    // not a key we can read: the load reports it
  }
}

export function scrypt(password: Uint8Array, salt: Uint8Array, p: ScryptParams): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scryptCallback(
      password,
      salt,
      32,
      { N: p.N, r: p.r, p: p.p, maxmem: 256 * p.N * p.r + 1024 * 1024 },
      (err, key) => (err ? reject(err) : resolve(key)),
    );
  });
}
