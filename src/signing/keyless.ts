/**
 * Keyless signing: one ephemeral ECDSA P-256 key per run, a Fulcio certificate for it bound to the
 * OIDC identity (kept with its chain, which sigstore-js' FulcioSigner drops), Rekor (v1) entries and
 * optional RFC 3161 timestamps through @sigstore/sign's bundle builders.
 *
 * The OIDC token comes from `identityProvider.getToken()` (the entry point's business); a
 * certificate is reused for every signature of the run while it has more than a minute left.
 */
import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import type { Signature } from '@sigstore/sign';
import { describeError, UserError } from '../util/errors.js';
import { SigningError } from './errors.js';
import {
  HttpStatusError,
  NetworkError,
  postJSON,
  proxyAgent,
  type RetryOptions,
  redactTokens,
} from './http.js';
import {
  BundleSigner,
  DEFAULT_FULCIO_URL,
  DEFAULT_REKOR_URL,
  type KeyHolder,
  trimSlash,
} from './signer.js';
import type { CertificateIdentity, IdentityProvider } from './types.js';

export interface KeylessSignerOptions extends RetryOptions {
  identityProvider: IdentityProvider;
  /** Default https://fulcio.sigstore.dev */
  fulcioURL?: string;
  /** Default https://rekor.sigstore.dev (Rekor v1 API: cosign v2 signatures need its SET). */
  rekorURL?: string;
  /** Optional RFC 3161 timestamp authority. */
  tsaURL?: string;
}

/** Minimum remaining validity for reusing a certificate. */
const CERT_REUSE_MARGIN_MS = 60_000;

export class KeylessSigner extends BundleSigner {
  readonly kind = 'keyless' as const;
  private readonly fulcio: FulcioKeyHolder;

  private readonly fulcioURL: string;
  private readonly rekorURL: string;
  private preconnected = false;

  constructor(options: KeylessSignerOptions) {
    const fulcio = new FulcioKeyHolder(options);
    const rekorURL = options.rekorURL || DEFAULT_REKOR_URL;
    super(fulcio, { ...options, rekorURL });
    this.fulcio = fulcio;
    this.fulcioURL = options.fulcioURL || DEFAULT_FULCIO_URL;
    this.rekorURL = rekorURL;
  }

  identity(): CertificateIdentity | undefined {
    return this.fulcio.identity;
  }

  publicKeyPEM(): string | undefined {
    return undefined;
  }

  /**
   * Asks for the certificate now (see FulcioKeyHolder.warmUp), with connections to Fulcio and
   * Rekor opened meanwhile: their handshakes are paid while the OIDC token is fetched and the
   * layer built, not by the certificate's and the log entry's requests (on a runner, two round
   * trips to each service off the signature's path).
   */
  warmUp(signal?: AbortSignal): Promise<void> {
    if (!this.preconnected) {
      this.preconnected = true;
      proxyAgent().preconnect(this.fulcioURL, 1);
      proxyAgent().preconnect(this.rekorURL, 1);
    }
    return this.fulcio.warmUp(signal);
  }
}

interface FulcioCertificate {
  leafPEM: string;
  chainPEM: string[];
  notAfter: Date;
  identity: CertificateIdentity;
}

/** The ephemeral key and its Fulcio certificate. */
export class FulcioKeyHolder implements KeyHolder {
  private readonly privateKey: KeyObject;
  private readonly publicKeyPEM: string;
  private readonly fulcioURL: string;
  private cert: FulcioCertificate | undefined;
  private pending: Promise<FulcioCertificate> | undefined;
  /** The warm-up's request, given to the first signature (so a failure is not asked twice). */
  private warm: Promise<FulcioCertificate> | undefined;

  constructor(private readonly options: KeylessSignerOptions) {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    this.privateKey = privateKey;
    this.publicKeyPEM = publicKey.export({ format: 'pem', type: 'spki' }).toString();
    this.fulcioURL = trimSlash(options.fulcioURL || DEFAULT_FULCIO_URL);
  }

  get identity(): CertificateIdentity | undefined {
    return this.cert?.identity;
  }

  async sign(data: Buffer): Promise<Signature & { chainPEM: string[] }> {
    const cert = await this.certificate();
    const signature = sign('sha256', data, this.privateKey);
    return {
      signature,
      key: { $case: 'x509Certificate', certificate: cert.leafPEM },
      chainPEM: cert.chainPEM,
    };
  }

  /**
   * Requests the certificate now; a failure is reported by the first signature. Settles (never
   * rejects) when the request is done; `signal` abandons it (a step that fails before signing).
   */
  warmUp(signal?: AbortSignal): Promise<void> {
    if (!this.cert && !this.pending && !this.warm) {
      this.warm = this.certificate(signal);
      this.warm.catch(() => {});
    }
    return (this.warm ?? this.pending ?? Promise.resolve()).then(
      () => {},
      () => {},
    );
  }

  /** The current certificate, requested once and shared by concurrent signers. */
  async certificate(signal?: AbortSignal): Promise<FulcioCertificate> {
    const usable = (c: FulcioCertificate | undefined): c is FulcioCertificate =>
      c !== undefined && c.notAfter.getTime() - Date.now() > CERT_REUSE_MARGIN_MS;
    const warm = this.warm;
    if (warm) {
      this.warm = undefined;
      const c = await warm; // its failure is this signature's
      if (usable(c)) return c;
    }
    if (usable(this.cert)) return this.cert;
    if (!this.pending) {
      this.pending = this.requestCertificate(signal).finally(() => {
        this.pending = undefined;
      });
    }
    this.cert = await this.pending;
    return this.cert;
  }

  private async requestCertificate(signal?: AbortSignal): Promise<FulcioCertificate> {
    const token = await this.token();
    const challenge = tokenChallenge(token);
    const proofOfPossession = sign('sha256', Buffer.from(challenge), this.privateKey).toString(
      'base64',
    );
    const url = `${this.fulcioURL}/api/v2/signingCert`;
    let response: unknown;
    try {
      response = await postJSON(
        url,
        {
          credentials: { oidcIdentityToken: token },
          publicKeyRequest: {
            publicKey: { algorithm: 'ECDSA', content: this.publicKeyPEM },
            proofOfPossession,
          },
        },
        signal ? { ...this.options, signal } : this.options,
      );
    } catch (err) {
      if (signal?.aborted) throw err;
      throw fulcioError(err, this.fulcioURL);
    }
    const body = response as {
      signedCertificateEmbeddedSct?: { chain?: { certificates?: string[] } };
      signedCertificateDetachedSct?: unknown;
    };
    // Loaded with the answer, not with the signer: its X.509 parser (@sigstore/core, ~10 ms to
    // load) is not needed before the request goes out, and the layer is being built meanwhile.
    const { certificateIdentity, certificateNotAfter, normalizePEM, splitPEM } = await import(
      './certificate.js'
    );
    const pems =
      body.signedCertificateEmbeddedSct?.chain?.certificates?.flatMap(splitPEM).map(normalizePEM) ??
      [];
    const leafPEM = pems[0];
    if (!leafPEM) {
      throw new SigningError({
        code: 'FULCIO_NO_CERTIFICATE',
        url: this.fulcioURL,
        detachedSct: Boolean(body.signedCertificateDetachedSct),
      });
    }
    return {
      leafPEM,
      chainPEM: pems.slice(1),
      notAfter: certificateNotAfter(leafPEM),
      identity: certificateIdentity(leafPEM),
    };
  }

  private async token(): Promise<string> {
    let token: string;
    try {
      token = await this.options.identityProvider.getToken();
    } catch (err) {
      // Already worded (the provider is src/github's) or already typed.
      if (err instanceof UserError || err instanceof SigningError) throw err;
      throw new SigningError(
        { code: 'OIDC_TOKEN_UNAVAILABLE', detail: redactTokens(describeError(err)) },
        { cause: err },
      );
    }
    if (!token) throw new SigningError({ code: 'OIDC_TOKEN_UNAVAILABLE' });
    return token;
  }
}

/** The proof-of-possession challenge Fulcio expects: the token's `email` claim, else `sub`. */
function tokenChallenge(token: string): string {
  const part = token.split('.')[1];
  let claims: { email?: unknown; sub?: unknown } = {};
  try {
    claims = JSON.parse(Buffer.from(part ?? '', 'base64url').toString('utf8')) as typeof claims;
  } catch {
    throw new SigningError({ code: 'OIDC_TOKEN_INVALID', problem: 'not-jwt' });
  }
  const challenge = typeof claims.email === 'string' ? claims.email : claims.sub;
  if (typeof challenge !== 'string' || !challenge) {
    throw new SigningError({ code: 'OIDC_TOKEN_INVALID', problem: 'no-subject' });
  }
  return challenge;
}

function fulcioError(err: unknown, url: string): SigningError {
  const cause = { cause: err };
  if (err instanceof NetworkError)
    return new SigningError({ code: 'FULCIO_UNREACHABLE', url, detail: err.message }, cause);
  if (err instanceof HttpStatusError) {
    if (err.status === 401 || err.status === 403)
      return new SigningError({ code: 'FULCIO_TOKEN_REJECTED', url, detail: err.message }, cause);
    if (err.status === 404) return new SigningError({ code: 'FULCIO_NOT_FOUND', url }, cause);
    return new SigningError({ code: 'FULCIO_REFUSED', url, detail: err.message }, cause);
  }
  return new SigningError({ code: 'FULCIO_FAILED', url, detail: describeError(err) }, cause);
}
