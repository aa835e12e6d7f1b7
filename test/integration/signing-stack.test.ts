/**
 * The Sigstore test stack and the fake GitHub OIDC endpoint, judged by sigstore-js' own signer and
 * verifier: certificates carry the SAN/extensions real Fulcio derives from a GitHub token, Rekor
 * entries (hashedrekord and dsse) verify against the trusted root, bad tokens are refused.
 */
import assert from 'node:assert/strict';
import { createVerify, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { bundleFromJSON, bundleToJSON } from '@sigstore/bundle';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import {
  DSSEBundleBuilder,
  FulcioSigner,
  MessageSignatureBundleBuilder,
  RekorWitness,
  TSAWitness,
} from '@sigstore/sign';
import { toSignedEntity, toTrustMaterial, Verifier } from '@sigstore/verify';
import {
  decodeJWT,
  type FakeGitHubOIDC,
  GITHUB_OIDC_ISSUER,
  startGitHubOIDC,
} from '../harness/github-oidc.js';
import { type SigstoreStack, startSigstoreStack } from '../harness/sigstore-stack.js';

/** Fetch a token exactly as a runner's `core.getIDToken('sigstore')` does. */
async function runnerToken(env: FakeGitHubOIDC['env'], audience = 'sigstore'): Promise<string> {
  const res = await fetch(
    `${env.ACTIONS_ID_TOKEN_REQUEST_URL}&audience=${encodeURIComponent(audience)}`,
    {
      headers: {
        Authorization: `Bearer ${env.ACTIONS_ID_TOKEN_REQUEST_TOKEN}`,
        Accept: 'application/json',
      },
    },
  );
  assert.equal(res.status, 200);
  const body = (await res.json()) as { value: string };
  return body.value;
}

function extensionValue(cert: X509Certificate, oid: string): string | undefined {
  // Find the extension by its DER-encoded OID inside the certificate; return its value as text
  // (raw for the legacy 1.1-1.6 OIDs, a DER UTF8String for the others).
  const raw = cert.raw;
  const oidDER = encodeOID(oid);
  const idx = raw.indexOf(oidDER);
  if (idx < 0) return undefined;
  let p = idx + oidDER.length;
  if (raw[p] === 0x01) p += 3; // critical BOOLEAN
  assert.equal(raw[p], 0x04); // OCTET STRING
  const [len, off] = derLength(raw, p + 1);
  const value = raw.subarray(off, off + len);
  if (value[0] === 0x0c) {
    const [l2, o2] = derLength(value, 1);
    return value.subarray(o2, o2 + l2).toString('utf8');
  }
  return value.toString('utf8');
}
function encodeOID(oid: string): Buffer {
  const parts = oid.split('.').map(Number);
  const body: number[] = [40 * (parts[0] ?? 0) + (parts[1] ?? 0)];
  for (const n of parts.slice(2)) {
    const bytes: number[] = [];
    let v = n;
    do {
      bytes.unshift(v & 0x7f);
      v >>= 7;
    } while (v > 0);
    for (let i = 0; i < bytes.length - 1; i++) bytes[i] = (bytes[i] ?? 0) | 0x80;
    body.push(...bytes);
  }
  return Buffer.from([0x06, body.length, ...body]);
}
function derLength(buf: Buffer, p: number): [number, number] {
  const first = buf[p] ?? 0;
  if (first < 0x80) return [first, p + 1];
  const n = first & 0x7f;
  let len = 0;
  for (let i = 0; i < n; i++) len = len * 256 + (buf[p + 1 + i] ?? 0);
  return [len, p + 1 + n];
}

describe('sigstore test stack', () => {
  let oidc: FakeGitHubOIDC;
  let stack: SigstoreStack;
  let verifier: Verifier;

  before(async () => {
    oidc = await startGitHubOIDC({
      repository: 'org/repo',
      workflowPath: '.github/workflows/publish.yaml',
    });
    stack = await startSigstoreStack({
      trustedIssuers: [{ issuer: GITHUB_OIDC_ISSUER, publicKey: oidc.publicKey }],
    });
    const json = JSON.parse(await readFile(stack.trustedRootPath, 'utf8'));
    assert.deepEqual(json, stack.trustedRoot);
    verifier = new Verifier(toTrustMaterial(TrustedRoot.fromJSON(json)), {
      tlogThreshold: 1,
      ctlogThreshold: 1,
    });
  });
  after(async () => {
    await stack?.stop();
    await oidc?.stop();
  });

  it('serves GitHub-shaped tokens through ACTIONS_ID_TOKEN_REQUEST_URL', async () => {
    const jwt = await runnerToken(oidc.env);
    const claims = decodeJWT(jwt);
    assert.equal(claims.iss, GITHUB_OIDC_ISSUER);
    assert.equal(claims.aud, 'sigstore');
    assert.equal(claims.sub, 'repo:org/repo:ref:refs/heads/main');
    assert.equal(
      claims.job_workflow_ref,
      'org/repo/.github/workflows/publish.yaml@refs/heads/main',
    );
    assert.deepEqual(oidc.requests.at(-1), 'sigstore');
    const bad = await fetch(`${oidc.env.ACTIONS_ID_TOKEN_REQUEST_URL}&audience=sigstore`, {
      headers: { Authorization: 'Bearer wrong' },
    });
    assert.equal(bad.status, 401);
  });

  it('issues a GitHub certificate, logs a hashedrekord with SET and timestamps it; sigstore-js verifies', async () => {
    const token = await runnerToken(oidc.env);
    const signer = new FulcioSigner({
      fulcioBaseURL: stack.fulcioURL,
      identityProvider: { getToken: async () => token },
    });
    const builder = new MessageSignatureBundleBuilder({
      signer,
      witnesses: [
        new RekorWitness({ rekorBaseURL: stack.rekorURL }),
        new TSAWitness({ tsaBaseURL: stack.fulcioURL }),
      ],
    });
    const payload = Buffer.from('{"hello":"world"}');
    const bundle = bundleToJSON(await builder.create({ data: payload }));

    const leafB64 = bundle.verificationMaterial.x509CertificateChain?.certificates[0]?.rawBytes;
    assert.ok(leafB64);
    const cert = new X509Certificate(Buffer.from(leafB64, 'base64'));
    const san = 'https://github.com/org/repo/.github/workflows/publish.yaml@refs/heads/main';
    assert.equal(cert.subjectAltName, `URI:${san}`);
    assert.equal(extensionValue(cert, '1.3.6.1.4.1.57264.1.1'), GITHUB_OIDC_ISSUER);
    assert.equal(extensionValue(cert, '1.3.6.1.4.1.57264.1.8'), GITHUB_OIDC_ISSUER);
    assert.equal(extensionValue(cert, '1.3.6.1.4.1.57264.1.9'), san);
    assert.equal(extensionValue(cert, '1.3.6.1.4.1.57264.1.12'), 'https://github.com/org/repo');
    assert.equal(extensionValue(cert, '1.3.6.1.4.1.57264.1.14'), 'refs/heads/main');
    assert.equal(extensionValue(cert, '1.3.6.1.4.1.57264.1.20'), 'push');
    assert.equal(extensionValue(cert, '1.3.6.1.4.1.57264.1.22'), 'public');
    assert.ok(extensionValue(cert, '1.3.6.1.4.1.11129.2.4.2') !== undefined, 'embedded SCT');
    assert.ok(cert.checkIssued(new X509Certificate(stack.fulcioRootPEM)));

    const entry = bundle.verificationMaterial.tlogEntries[0];
    assert.ok(entry?.inclusionPromise?.signedEntryTimestamp);
    assert.equal(entry.kindVersion?.kind, 'hashedrekord');
    // The SET is Rekor's signature over the canonical {body, integratedTime, logID, logIndex}.
    const setPayload = JSON.stringify({
      body: entry.canonicalizedBody,
      integratedTime: Number(entry.integratedTime),
      logID: Buffer.from(entry.logId.keyId, 'base64').toString('hex'),
      logIndex: Number(entry.logIndex),
    });
    const ok = createVerify('sha256')
      .update(setPayload)
      .verify(
        stack.rekorPublicKeyPEM,
        Buffer.from(entry.inclusionPromise.signedEntryTimestamp, 'base64'),
      );
    assert.ok(ok, 'SET verifies with the Rekor key of the trusted root');
    assert.equal(
      bundle.verificationMaterial.timestampVerificationData?.rfc3161Timestamps?.length,
      1,
    );

    const result = verifier.verify(toSignedEntity(bundleFromJSON(bundle), payload), {
      subjectAlternativeName: san,
      extensions: { issuer: GITHUB_OIDC_ISSUER },
    });
    assert.equal(result.identity?.subjectAlternativeName, san);
    assert.throws(() =>
      verifier.verify(toSignedEntity(bundleFromJSON(bundle), Buffer.from('tampered')), {
        subjectAlternativeName: san,
        extensions: { issuer: GITHUB_OIDC_ISSUER },
      }),
    );
    assert.ok(stack.calls.fulcio >= 1 && stack.calls.rekor >= 1 && stack.calls.tsa >= 1);
  });

  it('logs dsse entries in Rekor canonical form that sigstore-js verifies', async () => {
    const token = await runnerToken(oidc.env);
    const signer = new FulcioSigner({
      fulcioBaseURL: stack.fulcioURL,
      identityProvider: { getToken: async () => token },
    });
    const builder = new DSSEBundleBuilder({
      signer,
      witnesses: [new RekorWitness({ rekorBaseURL: stack.rekorURL })],
    });
    const statement = Buffer.from(
      '{"_type":"https://in-toto.io/Statement/v1","subject":[],"predicateType":"x","predicate":{}}',
    );
    const bundle = bundleToJSON(
      await builder.create({ data: statement, type: 'application/vnd.in-toto+json' }),
    );
    assert.equal(bundle.mediaType, 'application/vnd.dev.sigstore.bundle.v0.3+json');
    const body = JSON.parse(
      Buffer.from(
        bundle.verificationMaterial.tlogEntries[0]?.canonicalizedBody ?? '',
        'base64',
      ).toString(),
    );
    assert.equal(body.kind, 'dsse');
    assert.equal(body.spec.signatures.length, 1);
    assert.equal(body.spec.proposedContent, undefined);
    verifier.verify(toSignedEntity(bundleFromJSON(bundle)), {
      subjectAlternativeName: /^https:\/\/github\.com\/org\/repo\//,
      extensions: { issuer: GITHUB_OIDC_ISSUER },
    });
  });

  it('SAN follows the token: tag ref, other workflow, pull request', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [
        { job_workflow_ref: 'org/repo/.github/workflows/release.yaml@refs/tags/v1.2.3' },
        'release.yaml@refs/tags/v1.2.3',
      ],
      [
        { job_workflow_ref: 'org/repo/.github/workflows/pr.yaml@refs/pull/7/merge' },
        'pr.yaml@refs/pull/7/merge',
      ],
    ];
    for (const [claims, suffix] of cases) {
      oidc.setClaims(claims);
      const token = await runnerToken(oidc.env);
      const signer = new FulcioSigner({
        fulcioBaseURL: stack.fulcioURL,
        identityProvider: { getToken: async () => token },
      });
      const sig = await signer.sign(Buffer.from('x'));
      assert.equal(sig.key.$case, 'x509Certificate');
      const pem = sig.key.$case === 'x509Certificate' ? sig.key.certificate : '';
      assert.equal(
        new X509Certificate(pem).subjectAltName,
        `URI:https://github.com/org/repo/.github/workflows/${suffix}`,
      );
    }
    oidc.setClaims({});
  });

  it('refuses expired, wrongly signed and wrong-audience tokens with 401', async () => {
    const post = async (token: string) =>
      fetch(`${stack.fulcioURL}/api/v2/signingCert`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          credentials: { oidcIdentityToken: token },
          publicKeyRequest: {
            publicKey: { algorithm: 'ECDSA', content: 'x' },
            proofOfPossession: 'eA==',
          },
        }),
      });
    assert.equal(
      (await post(oidc.issueToken({ exp: Math.floor(Date.now() / 1000) - 10 }))).status,
      401,
    );
    assert.equal((await post(oidc.issueToken({ aud: 'nobody' }))).status, 401);
    const forged = oidc.issueToken().replace(/\.[^.]+$/, '.AAAA');
    const res = await post(forged);
    assert.equal(res.status, 401);
    assert.doesNotMatch(await res.text(), /eyJ/);
  });

  it('injects failures on request', async () => {
    stack.failNext('rekor', 503, 1);
    const res = await fetch(`${stack.rekorURL}/api/v1/log/publicKey`);
    assert.equal(res.status, 503);
    const res2 = await fetch(`${stack.rekorURL}/api/v1/log/publicKey`);
    assert.equal(res2.status, 200);
    assert.match(await res2.text(), /BEGIN PUBLIC KEY/);
  });
});
