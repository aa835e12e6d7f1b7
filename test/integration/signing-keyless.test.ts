/**
 * KeylessSigner against the loopback Sigstore stack, with tokens from the fake GitHub OIDC
 * endpoint fetched the way the entry point does (`core.getIDToken('sigstore')`).
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import * as core from '@actions/core';
import { bundleFromJSON } from '@sigstore/bundle';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { toSignedEntity, toTrustMaterial, Verifier } from '@sigstore/verify';
import { failureInput, failureMessage } from '../../src/github/errors.js';
import { SigningError } from '../../src/signing/errors.js';
import { KeylessSigner } from '../../src/signing/keyless.js';
import {
  type FakeGitHubOIDC,
  GITHUB_OIDC_ISSUER,
  startGitHubOIDC,
} from '../harness/github-oidc.js';
import { type SigstoreStack, startSigstoreStack } from '../harness/sigstore-stack.js';

const SAN = 'https://github.com/org/repo/.github/workflows/publish.yaml@refs/heads/main';
const FAST = { timeoutMs: 5000, retries: 2, retryBaseMs: 10 };

describe('KeylessSigner', () => {
  let oidc: FakeGitHubOIDC;
  let stack: SigstoreStack;
  let verifier: Verifier;
  const savedEnv = { ...process.env };

  before(async () => {
    oidc = await startGitHubOIDC();
    stack = await startSigstoreStack({
      trustedIssuers: [{ issuer: GITHUB_OIDC_ISSUER, publicKey: oidc.publicKey }],
    });
    Object.assign(process.env, oidc.env);
    const json = JSON.parse(await readFile(stack.trustedRootPath, 'utf8'));
    verifier = new Verifier(toTrustMaterial(TrustedRoot.fromJSON(json)), {
      tlogThreshold: 1,
      ctlogThreshold: 1,
    });
  });
  after(async () => {
    process.env = savedEnv;
    await stack?.stop();
    await oidc?.stop();
  });

  /** What the entry point passes: @actions/core's runner token request (prints ::add-mask::). */
  const coreProvider = { getToken: () => core.getIDToken('sigstore') };
  /** The same request without @actions/core's log lines. */
  const githubProvider = {
    getToken: async () => {
      const url = process.env.ACTIONS_ID_TOKEN_REQUEST_URL;
      if (!url) throw new Error('Unable to get ACTIONS_ID_TOKEN_REQUEST_URL env variable');
      const res = await fetch(`${url}&audience=sigstore`, {
        headers: { Authorization: `Bearer ${process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN}` },
      });
      return ((await res.json()) as { value: string }).value;
    },
  };

  it('signs messages and DSSE envelopes with one certificate per run, keeping the chain', async () => {
    const signer = new KeylessSigner({
      identityProvider: coreProvider,
      fulcioURL: stack.fulcioURL,
      rekorURL: stack.rekorURL,
      tsaURL: stack.tsaURL,
      ...FAST,
    });
    assert.equal(signer.identity(), undefined);
    const before = { ...stack.calls };
    const payload = Buffer.from('{"critical":{}}');
    const a = await signer.signMessage(payload);
    const b = await signer.signMessage(payload);
    assert.equal(stack.calls.fulcio - before.fulcio, 1, 'one certificate for the run');
    assert.equal(stack.calls.rekor - before.rekor, 2, 'one Rekor entry per signature');
    assert.equal(stack.calls.tsa - before.tsa, 2);
    assert.equal(a.certificatePEM, b.certificatePEM);
    assert.ok(a.certificatePEM);
    assert.equal(new X509Certificate(a.certificatePEM).subjectAltName, `URI:${SAN}`);
    assert.equal(a.chainPEM.length, 1);
    assert.equal(a.chainPEM[0], stack.fulcioRootPEM);
    assert.match(a.certificatePEM, /^-----BEGIN CERTIFICATE-----\n([A-Za-z0-9+/=]{64}\n)+/);
    assert.deepEqual(signer.identity(), {
      certificateIdentity: SAN,
      certificateOidcIssuer: GITHUB_OIDC_ISSUER,
    });
    assert.equal(a.bundle.messageSignature?.signature, a.signature.toString('base64'));
    const policy = { subjectAlternativeName: SAN, extensions: { issuer: GITHUB_OIDC_ISSUER } };
    verifier.verify(toSignedEntity(bundleFromJSON(a.bundle), payload), policy);
    verifier.verify(toSignedEntity(bundleFromJSON(b.bundle), payload), policy);

    const dsse = await signer.signDSSE(
      Buffer.from('{"_type":"x"}'),
      'application/vnd.in-toto+json',
    );
    assert.equal(dsse.mediaType, 'application/vnd.dev.sigstore.bundle.v0.3+json');
    assert.ok(dsse.verificationMaterial.certificate?.rawBytes, 'v0.3 single certificate');
    assert.equal(dsse.verificationMaterial.tlogEntries[0]?.kindVersion?.kind, 'dsse');
    verifier.verify(toSignedEntity(bundleFromJSON(dsse)), policy);
    assert.equal(stack.calls.fulcio - before.fulcio, 1, 'still one certificate');
  });

  it('retries a Fulcio 503', async () => {
    const signer = new KeylessSigner({
      identityProvider: githubProvider,
      fulcioURL: stack.fulcioURL,
      rekorURL: stack.rekorURL,
      ...FAST,
    });
    stack.failNext('fulcio', 503, 1);
    const sig = await signer.signMessage(Buffer.from('x'));
    assert.ok(sig.certificatePEM);
  });

  it('says to grant id-token: write when no token can be had', async () => {
    const env = process.env.ACTIONS_ID_TOKEN_REQUEST_URL;
    delete process.env.ACTIONS_ID_TOKEN_REQUEST_URL;
    try {
      const signer = new KeylessSigner({
        identityProvider: githubProvider,
        fulcioURL: stack.fulcioURL,
        ...FAST,
      });
      await assert.rejects(signer.signMessage(Buffer.from('x')), (err: unknown) => {
        assert.ok(err instanceof SigningError);
        assert.equal(err.code, 'OIDC_TOKEN_UNAVAILABLE');
        assert.doesNotMatch(err.message, /permissions|cosign-key/);
        assert.match(failureMessage(err) ?? '', /`permissions: id-token: write`/);
        return true;
      });
    } finally {
      process.env.ACTIONS_ID_TOKEN_REQUEST_URL = env;
    }
    const empty = new KeylessSigner({
      identityProvider: { getToken: async () => '' },
      fulcioURL: stack.fulcioURL,
    });
    await assert.rejects(empty.signMessage(Buffer.from('x')), (err: unknown) =>
      /id-token: write/.test(failureMessage(err) ?? ''),
    );
  });

  it('names fulcio-url when Fulcio is unreachable, rekor-url when Rekor is, tsa-url for the TSA', async () => {
    const dead = 'http://127.0.0.1:1';
    const cases: Array<[Record<string, string>, string]> = [
      [{ fulcioURL: dead, rekorURL: stack.rekorURL }, 'fulcio-url'],
      [{ fulcioURL: stack.fulcioURL, rekorURL: dead }, 'rekor-url'],
      [{ fulcioURL: stack.fulcioURL, rekorURL: stack.rekorURL, tsaURL: dead }, 'tsa-url'],
    ];
    for (const [urls, input] of cases) {
      const signer = new KeylessSigner({
        identityProvider: githubProvider,
        ...urls,
        ...FAST,
        retries: 1,
      });
      await assert.rejects(signer.signMessage(Buffer.from('x')), (err: unknown) => {
        assert.ok(err instanceof SigningError, String(err));
        assert.equal(failureInput(err), input);
        const line = failureMessage(err) ?? '';
        assert.ok(line.includes(dead) && line.includes(`\`${input}\``), line);
        assert.equal(line.includes('\n'), false);
        assert.equal(err.message.includes(input), false, err.message);
        return true;
      });
    }
  });

  it('reports a rejected token without revealing it', async () => {
    const token = oidc.issueToken({ exp: Math.floor(Date.now() / 1000) - 60 });
    const signer = new KeylessSigner({
      identityProvider: { getToken: async () => token },
      fulcioURL: stack.fulcioURL,
      rekorURL: stack.rekorURL,
      ...FAST,
    });
    await assert.rejects(signer.signMessage(Buffer.from('x')), (err: unknown) => {
      assert.ok(err instanceof SigningError);
      const line = failureMessage(err) ?? '';
      assert.match(line, /rejected the OIDC identity token/);
      assert.equal(line.includes(token), false);
      assert.doesNotMatch(line, /eyJ/);
      return true;
    });
  });
});
