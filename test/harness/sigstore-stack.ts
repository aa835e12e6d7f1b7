/**
 * A Sigstore test stack on 127.0.0.1: Fulcio, Rekor (v1 API) and an RFC 3161 TSA behind one
 * `node:http` server, built from @sigstore/mock (Apache-2.0) building blocks, plus a trusted root
 * (`TrustedRoot` v0.1 JSON) written to a temp file for sigstore-js and for
 * `cosign verify --trusted-root <file>`.
 *
 *   const stack = await startSigstoreStack();
 *   // sign with fulcioURL / rekorURL / tsaURL, verify with stack.trustedRootPath
 *   await stack.stop();
 *
 * Where it goes beyond the mock's own handlers, it behaves like the real services:
 * - Fulcio issues the SAN real Fulcio issues for a GitHub Actions token,
 *   `https://github.com/<job_workflow_ref>` (the mock would use `sub`), with the GitHub extensions
 *   (1.3.6.1.4.1.57264.1.*) from the token's claims and an embedded SCT from the stack's CT log. It
 *   checks the token's expiry and audience (`sigstore`), its signature when `trustedIssuers` is
 *   given, and the proof of possession (signature over the token's `sub`/`email`), answering 401/400
 *   like real Fulcio.
 * - Rekor stores `dsse` entries in the canonical form real Rekor logs (envelopeHash, payloadHash,
 *   signatures[{signature, verifier}]) rather than the proposed entry, so sigstore-go / sigstore-js
 *   can match them to a bundle; it verifies DSSE envelope signatures; answers carry a signed entry
 *   timestamp and an inclusion proof with a signed checkpoint.
 * - The TSA's clock is kept on whole seconds (the mock's GeneralizedTime drops trailing zeros of
 *   milliseconds, which verifiers reject).
 */
import {
  createHash,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  verify,
  X509Certificate,
} from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  fulcioHandler,
  initializeCA,
  initializeCTLog,
  initializeTLog,
  initializeTSA,
  tsaHandler,
} from '@sigstore/mock';

export interface TrustedIssuer {
  issuer: string;
  /** Verifies the token signature (RS256 or ES256). */
  publicKey: KeyObject;
}

export interface SigstoreStackOptions {
  /** When set, Fulcio accepts only tokens from these issuers, signed by their keys. */
  trustedIssuers?: TrustedIssuer[];
  /** Audience Fulcio requires (default `sigstore`). */
  audience?: string;
}

export type SigstoreService = 'fulcio' | 'rekor' | 'tsa';

export interface SigstoreStack {
  readonly fulcioURL: string;
  readonly rekorURL: string;
  readonly tsaURL: string;
  /** Path of the trusted root JSON file (removed by `stop()`). */
  readonly trustedRootPath: string;
  /** The trusted root (Sigstore `TrustedRoot` v0.1, protobuf JSON). */
  readonly trustedRoot: TrustedRootJSON;
  /** Not served by this stack (sigstore-js' TUF path is not needed by our code). */
  readonly tufMirrorURL?: string;
  /** Successful calls per service so far. */
  readonly calls: Record<SigstoreService, number>;
  /** Rekor entries logged so far (decoded canonical bodies), in order. */
  readonly entries: Array<{ uuid: string; body: Record<string, unknown>; logIndex: number }>;
  /** PEM of the Fulcio root (the CA chain has no intermediate). */
  readonly fulcioRootPEM: string;
  /** PEM of the Rekor public key (what `SIGSTORE_REKOR_PUBLIC_KEY` would hold). */
  readonly rekorPublicKeyPEM: string;
  /** PEM of the CT log public key (what `SIGSTORE_CT_LOG_PUBLIC_KEY_FILE` would hold). */
  readonly ctLogPublicKeyPEM: string;
  /** Make the next `count` requests to `service` fail with HTTP `status` (e.g. 503). */
  failNext(service: SigstoreService, status: number, count?: number): void;
  stop(): Promise<void>;
}

/** Sigstore `TrustedRoot` v0.1 in protobuf JSON form. */
export interface TrustedRootJSON {
  mediaType: string;
  tlogs: TransparencyLogInstanceJSON[];
  certificateAuthorities: CertificateAuthorityJSON[];
  ctlogs: TransparencyLogInstanceJSON[];
  timestampAuthorities: CertificateAuthorityJSON[];
}
interface TransparencyLogInstanceJSON {
  baseUrl: string;
  hashAlgorithm: 'SHA2_256';
  publicKey: {
    rawBytes: string;
    keyDetails: 'PKIX_ECDSA_P256_SHA_256';
    validFor: { start: string };
  };
  logId: { keyId: string };
}
interface CertificateAuthorityJSON {
  subject: { organization: string; commonName: string };
  uri: string;
  certChain: { certificates: Array<{ rawBytes: string }> };
  validFor: { start: string };
}

const SAN_CLAIM = 'x-mock-san';

export async function startSigstoreStack(
  options: SigstoreStackOptions = {},
): Promise<SigstoreStack> {
  const audience = options.audience ?? 'sigstore';
  const routes = new Map<string, (req: IncomingMessage, body: string) => Promise<Reply>>();
  const failures: Record<SigstoreService, { status: number; count: number }> = {
    fulcio: { status: 0, count: 0 },
    rekor: { status: 0, count: 0 },
    tsa: { status: 0, count: 0 },
  };
  const calls: Record<SigstoreService, number> = { fulcio: 0, rekor: 0, tsa: 0 };
  const serviceOf = (path: string): SigstoreService | undefined =>
    path.startsWith('/api/v2/signingCert') ||
    path.startsWith('/api/v1/signingCert') ||
    path.startsWith('/api/v2/trustBundle')
      ? 'fulcio'
      : path.startsWith('/api/v1/log')
        ? 'rekor'
        : path.startsWith('/api/v1/timestamp')
          ? 'tsa'
          : undefined;

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
      const service = serviceOf(path);
      const fail = service ? failures[service] : undefined;
      if (fail && fail.count > 0) {
        fail.count--;
        send(res, {
          statusCode: fail.status,
          response: `{"code":${fail.status},"message":"injected failure"}`,
        });
        return;
      }
      const key = `${req.method} ${path.replace(/^\/api\/v1\/log\/entries\/[0-9a-f]+$/, '/api/v1/log/entries/{uuid}')}`;
      const route = routes.get(key);
      if (!route) {
        send(res, { statusCode: 404, response: '{"code":404,"message":"not found"}' });
        return;
      }
      route(req, Buffer.concat(chunks).toString('utf8')).then(
        (reply) => {
          if (service && reply.statusCode < 300) calls[service]++;
          send(res, reply);
        },
        (err: unknown) => send(res, { statusCode: 500, response: String(err) }),
      );
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const baseURL = `http://127.0.0.1:${port}`;
  const validFrom = new Date(Date.now() - 60_000).toISOString();

  // Keys: CA and TSA on P-384 like the real ones; logs on P-256 (what the trusted root declares).
  const caKeys = generateKeyPairSync('ec', { namedCurve: 'P-384' });
  const ctKeys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const rekorKeys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const tsaKeys = generateKeyPairSync('ec', { namedCurve: 'P-384' });

  const ctLog = await initializeCTLog(ctKeys);
  const ca = await initializeCA(caKeys, ctLog);
  const tlog = await initializeTLog(baseURL, rekorKeys);
  const tsa = await initializeTSA(tsaKeys);
  // Whole seconds: see the file comment.
  (tsa as unknown as { getCurrentTime: () => Date }).getCurrentTime = () =>
    new Date(Math.floor(Date.now() / 1000) * 1000);

  // ---- Fulcio ----
  const fulcio = fulcioHandler(ca, { subjectClaim: SAN_CLAIM });
  routes.set('POST /api/v2/signingCert', async (_req, body) => {
    let request: FulcioRequest;
    try {
      request = JSON.parse(body) as FulcioRequest;
    } catch {
      return { statusCode: 400, response: '{"code":400,"message":"invalid JSON"}' };
    }
    return issueCertificate(request);
  });
  // The legacy v1 API the cosign CLI uses: token in `Authorization`, PEM public key in
  // `publicKey.content` (base64), proof of possession in `signedEmailAddress`; the answer is the
  // PEM chain (leaf first) with the SCT embedded (empty `SCT` header).
  routes.set('POST /api/v1/signingCert', async (req, body) => {
    let v1: { publicKey?: { content?: string }; signedEmailAddress?: string };
    try {
      v1 = JSON.parse(body) as typeof v1;
    } catch {
      return { statusCode: 400, response: '{"code":400,"message":"invalid JSON"}' };
    }
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
    const reply = await issueCertificate({
      credentials: { oidcIdentityToken: token },
      publicKeyRequest: {
        publicKey: { content: Buffer.from(v1.publicKey?.content ?? '', 'base64').toString('utf8') },
        ...(v1.signedEmailAddress ? { proofOfPossession: v1.signedEmailAddress } : {}),
      },
    });
    if (reply.statusCode !== 201) return reply;
    const chain = JSON.parse(String(reply.response)) as {
      signedCertificateEmbeddedSct: { chain: { certificates: string[] } };
    };
    return {
      statusCode: 201,
      response: chain.signedCertificateEmbeddedSct.chain.certificates
        .map((c) => new X509Certificate(c).toString())
        .join(''),
      contentType: 'application/pem-certificate-chain',
    };
  });
  const issueCertificate = async (request: FulcioRequest): Promise<Reply> => {
    const token = request.credentials?.oidcIdentityToken ?? '';
    const claims = checkToken(token, audience, options.trustedIssuers);
    if (typeof claims === 'string') {
      return { statusCode: 401, response: JSON.stringify({ code: 401, message: claims }) };
    }
    const pkr = request.publicKeyRequest;
    if (!pkr?.publicKey?.content || !pkr.proofOfPossession) {
      return { statusCode: 400, response: '{"code":400,"message":"missing publicKeyRequest"}' };
    }
    const challenge = typeof claims.email === 'string' ? claims.email : String(claims.sub ?? '');
    let popOK = false;
    try {
      popOK = verify(
        'sha256',
        Buffer.from(challenge),
        createPublicKey(pkr.publicKey.content),
        Buffer.from(pkr.proofOfPossession, 'base64'),
      );
    } catch {
      popOK = false;
    }
    if (!popOK) {
      return {
        statusCode: 400,
        response:
          '{"code":400,"message":"The signature supplied in the request could not be verified"}',
      };
    }
    const san =
      typeof claims.job_workflow_ref === 'string'
        ? `https://github.com/${claims.job_workflow_ref}`
        : String(claims.email ?? claims.sub ?? '');
    const rewritten = {
      ...request,
      credentials: { oidcIdentityToken: unsignedJWT({ ...claims, [SAN_CLAIM]: san }) },
    };
    const reply = await fulcio.fn(JSON.stringify(rewritten));
    return {
      statusCode: reply.statusCode,
      response: reply.response,
      contentType: reply.contentType,
    };
  };
  const rootPEM = new X509Certificate(bytes(ca.rootCertificate)).toString();
  routes.set('GET /api/v2/trustBundle', async () => ({
    statusCode: 200,
    response: JSON.stringify({ chains: [{ certificates: [rootPEM] }] }),
    contentType: 'application/json',
  }));

  // ---- Rekor (v1 API) ----
  const entries: SigstoreStack['entries'] = [];
  const stored = new Map<string, unknown>();
  routes.set('POST /api/v1/log/entries', async (_req, body) => {
    let proposed: ProposedEntry;
    try {
      proposed = JSON.parse(body) as ProposedEntry;
    } catch {
      return { statusCode: 400, response: '{"code":400,"message":"invalid JSON"}' };
    }
    let canonical: Record<string, unknown>;
    try {
      canonical = canonicalEntry(proposed);
    } catch (err) {
      return {
        statusCode: 400,
        response: JSON.stringify({ code: 400, message: (err as Error).message }),
      };
    }
    const result = (await tlog.log(canonical)) as Record<string, { logIndex: number }>;
    for (const [uuid, entry] of Object.entries(result)) {
      stored.set(uuid, { [uuid]: entry });
      entries.push({ uuid, body: canonical, logIndex: entry.logIndex });
    }
    return { statusCode: 201, response: JSON.stringify(result), contentType: 'application/json' };
  });
  routes.set('GET /api/v1/log/entries/{uuid}', async (req) => {
    const uuid = (req.url ?? '').split('/').pop() ?? '';
    const entry = stored.get(uuid);
    return entry
      ? { statusCode: 200, response: JSON.stringify(entry), contentType: 'application/json' }
      : { statusCode: 404, response: '{"code":404,"message":"entry not found"}' };
  });
  const rekorPublicKeyPEM = rekorKeys.publicKey.export({ format: 'pem', type: 'spki' }).toString();
  routes.set('GET /api/v1/log/publicKey', async () => ({
    statusCode: 200,
    response: rekorPublicKeyPEM,
    contentType: 'application/x-pem-file',
  }));

  // ---- TSA ----
  const tsaRoute = tsaHandler(tsa);
  routes.set('POST /api/v1/timestamp', async (_req, body) => {
    const reply = await tsaRoute.fn(body);
    return {
      statusCode: reply.statusCode,
      response: reply.response,
      contentType: reply.contentType,
    };
  });
  const tsaChainPEM = [tsa.intCertificate, tsa.rootCertificate]
    .map((d) => new X509Certificate(bytes(d)).toString())
    .join('');
  routes.set('GET /api/v1/timestamp/certchain', async () => ({
    statusCode: 200,
    response: tsaChainPEM,
    contentType: 'application/pem-certificate-chain',
  }));

  // ---- trusted root ----
  const der = (k: KeyObject) => k.export({ format: 'der', type: 'spki' });
  const logInstance = (url: string, key: KeyObject): TransparencyLogInstanceJSON => ({
    baseUrl: url,
    hashAlgorithm: 'SHA2_256',
    publicKey: {
      rawBytes: der(key).toString('base64'),
      keyDetails: 'PKIX_ECDSA_P256_SHA_256',
      validFor: { start: validFrom },
    },
    logId: { keyId: createHash('sha256').update(der(key)).digest('base64') },
  });
  const trustedRoot: TrustedRootJSON = {
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [logInstance(baseURL, rekorKeys.publicKey)],
    certificateAuthorities: [
      {
        subject: { organization: 'sigstore.mock', commonName: 'sigstore' },
        uri: baseURL,
        certChain: {
          certificates: [{ rawBytes: bytes(ca.rootCertificate).toString('base64') }],
        },
        validFor: { start: validFrom },
      },
    ],
    ctlogs: [logInstance(`${baseURL}/ct`, ctKeys.publicKey)],
    timestampAuthorities: [
      {
        subject: { organization: 'sigstore.mock', commonName: 'tsa' },
        uri: baseURL,
        certChain: {
          certificates: [
            { rawBytes: bytes(tsa.intCertificate).toString('base64') },
            { rawBytes: bytes(tsa.rootCertificate).toString('base64') },
          ],
        },
        validFor: { start: validFrom },
      },
    ],
  };
  const dir = await mkdtemp(join(tmpdir(), 'sigstore-stack-'));
  const trustedRootPath = join(dir, 'trusted_root.json');
  await writeFile(trustedRootPath, `${JSON.stringify(trustedRoot, null, 2)}\n`);

  return {
    fulcioURL: baseURL,
    rekorURL: baseURL,
    tsaURL: `${baseURL}/api/v1/timestamp`,
    trustedRootPath,
    trustedRoot,
    calls,
    entries,
    fulcioRootPEM: rootPEM,
    rekorPublicKeyPEM,
    ctLogPublicKeyPEM: ctKeys.publicKey.export({ format: 'pem', type: 'spki' }).toString(),
    failNext(service, status, count = 1) {
      failures[service] = { status, count };
    },
    async stop() {
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
      await rm(dir, { recursive: true, force: true });
    },
  };
}

interface Reply {
  statusCode: number;
  response: string | ArrayBufferView;
  contentType?: string | undefined;
}

function send(res: ServerResponse, reply: Reply): void {
  res.writeHead(reply.statusCode, { 'content-type': reply.contentType ?? 'application/json' });
  res.end(reply.response);
}

interface FulcioRequest {
  credentials?: { oidcIdentityToken?: string };
  publicKeyRequest?: {
    publicKey?: { algorithm?: string; content?: string };
    proofOfPossession?: string;
  };
}

interface ProposedEntry {
  apiVersion?: string;
  kind?: string;
  spec?: Record<string, unknown>;
}

/** Returns the claims, or a reason the token is rejected (never containing the token). */
function checkToken(
  token: string,
  audience: string,
  trustedIssuers: TrustedIssuer[] | undefined,
): Record<string, unknown> | string {
  const parts = token.split('.');
  if (parts.length !== 3) return 'There was an error processing the identity token: malformed JWT';
  let header: Record<string, unknown>;
  let claims: Record<string, unknown>;
  try {
    header = JSON.parse(Buffer.from(parts[0] ?? '', 'base64url').toString('utf8')) as Record<
      string,
      unknown
    >;
    claims = JSON.parse(Buffer.from(parts[1] ?? '', 'base64url').toString('utf8')) as Record<
      string,
      unknown
    >;
  } catch {
    return 'There was an error processing the identity token: malformed JWT';
  }
  const now = Date.now() / 1000;
  if (typeof claims.exp !== 'number' || claims.exp < now) {
    return 'There was an error processing the identity token: token is expired';
  }
  const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!aud.includes(audience)) {
    return `There was an error processing the identity token: expected audience "${audience}"`;
  }
  if (trustedIssuers) {
    const issuer = trustedIssuers.find((i) => i.issuer === claims.iss);
    if (!issuer) return 'There was an error processing the identity token: unknown issuer';
    const alg =
      header.alg === 'ES256' ? 'sha256' : header.alg === 'RS256' ? 'RSA-SHA256' : undefined;
    const ok =
      alg !== undefined &&
      verify(
        alg,
        Buffer.from(`${parts[0]}.${parts[1]}`),
        header.alg === 'ES256'
          ? { key: issuer.publicKey, dsaEncoding: 'ieee-p1363' }
          : issuer.publicKey,
        Buffer.from(parts[2] ?? '', 'base64url'),
      );
    if (!ok) return 'There was an error processing the identity token: invalid signature';
  }
  return claims;
}

function unsignedJWT(claims: Record<string, unknown>): string {
  const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  return `${enc({ alg: 'none', typ: 'JWT' })}.${enc(claims)}.`;
}

/**
 * The entry as real Rekor stores it. hashedrekord: the proposed entry (already canonical).
 * dsse 0.0.1: Rekor's `Canonicalize` (sigstore/rekor pkg/types/dsse/v0.0.1/entry.go, Apache-2.0):
 * envelopeHash over the submitted envelope string, payloadHash over the decoded payload, and the
 * signatures sorted, each with the PEM of the key that verifies it.
 */
function canonicalEntry(proposed: ProposedEntry): Record<string, unknown> {
  if (proposed.kind === 'hashedrekord' && proposed.apiVersion === '0.0.1')
    return proposed as Record<string, unknown>;
  if (proposed.kind === 'dsse' && proposed.apiVersion === '0.0.1') {
    const content = proposed.spec?.proposedContent as
      | { envelope?: string; verifiers?: string[] }
      | undefined;
    if (!content?.envelope || !content.verifiers?.length)
      throw new Error('dsse entry needs proposedContent');
    const env = JSON.parse(content.envelope) as {
      payload: string;
      payloadType: string;
      signatures: Array<{ sig: string; keyid?: string }>;
    };
    const payload = Buffer.from(env.payload, 'base64');
    const pae = Buffer.concat([
      Buffer.from(
        `DSSEv1 ${Buffer.byteLength(env.payloadType)} ${env.payloadType} ${payload.length} `,
        'utf8',
      ),
      payload,
    ]);
    const signatures: Array<{ signature: string; verifier: string }> = [];
    for (const sig of env.signatures) {
      const match = content.verifiers.find((v) => {
        try {
          return verify(
            'sha256',
            pae,
            publicKeyOf(Buffer.from(v, 'base64').toString('utf8')),
            Buffer.from(sig.sig, 'base64'),
          );
        } catch {
          return false;
        }
      });
      if (!match) throw new Error('all signatures must have a key that verifies it');
      signatures.push({
        signature: sig.sig,
        verifier: Buffer.from(canonicalPEM(Buffer.from(match, 'base64').toString('utf8'))).toString(
          'base64',
        ),
      });
    }
    signatures.sort((a, b) => (a.signature < b.signature ? -1 : a.signature > b.signature ? 1 : 0));
    const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
    return {
      apiVersion: '0.0.1',
      kind: 'dsse',
      spec: {
        envelopeHash: { algorithm: 'sha256', value: sha256(content.envelope) },
        payloadHash: { algorithm: 'sha256', value: sha256(payload) },
        signatures,
      },
    };
  }
  throw new Error(`unsupported entry kind ${proposed.kind} ${proposed.apiVersion}`);
}

function bytes(v: ArrayBufferView): Buffer {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

function publicKeyOf(pem: string): KeyObject {
  return pem.includes('BEGIN CERTIFICATE')
    ? new X509Certificate(pem).publicKey
    : createPublicKey(pem);
}

function canonicalPEM(pem: string): string {
  return pem.includes('BEGIN CERTIFICATE')
    ? new X509Certificate(pem).toString()
    : createPublicKey(pem).export({ format: 'pem', type: 'spki' }).toString();
}
