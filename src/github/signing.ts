import * as core from '@actions/core';
import type { RegistryClient } from '../oci/client.js';
import { type SignArtifactResult, signArtifact } from '../signing/attach.js';
import type { ArtifactSigner } from '../signing/signer.js';
import {
  DEFAULT_FULCIO_URL,
  DEFAULT_REKOR_URL,
  SIGNATURE_FORMATS,
  type SignatureFormat,
} from '../signing/types.js';
import { UserError } from '../util/errors.js';
import { get, type WorkflowContext } from './context.js';
import { exactIdentity } from './identities.js';
import type { Inputs } from './inputs.js';
import { verifyReason } from './signing-errors.js';
import { reportSignature, type SigstoreServices } from './sigstore-log.js';
import { readTrustedRoot } from './verify-inputs.js';

export interface SigningSetup {
  format: SignatureFormat;
  signer: ArtifactSigner;
  keyless: boolean;
  /** trusted_root.json contents: when set, each new signature is verified before tags move. */
  trustedRoot?: string;
  /** Keyless against a private Sigstore (fulcio-url, rekor-url or trusted-root set). */
  privateSigstore?: PrivateSigstore;
  /** Where signatures are certified and logged, for the step's log (src/github/sigstore-log.ts). */
  services: SigstoreServices;
  /**
   * A cosign key: settles once it is decrypted, rejecting as a wrong password does. The signer
   * can be handed a digest before: what needs no key (the payload's blob) starts at once.
   */
  ready?: Promise<unknown>;
}

/** A private Sigstore: clusters trust it through `verify.trustedRootSecretRef`. */
interface PrivateSigstore {
  /** The `trusted-root` input as given (relative to the workspace), if any. */
  trustedRootPath?: string;
}

/** A signature as signDigest stored it, with what the summary needs to say about its Sigstore. */
export interface SignedWith extends SignArtifactResult {
  privateSigstore?: PrivateSigstore;
  /** The Sigstore bundle written to RUNNER_TEMP (the `bundle-path` output). */
  bundlePath?: string;
}

/**
 * Flux (`verify.trustedRootSecretRef`) builds its Rekor client from the first transparency log
 * of the trusted root that has a `baseUrl`, and refuses a root without one.
 */
function checkTrustedRootRekor(trustedRoot: string, rekorURL: string): void {
  let logs: Array<{ baseUrl?: unknown }> = [];
  try {
    const parsed = JSON.parse(trustedRoot) as { tlogs?: unknown };
    if (Array.isArray(parsed.tlogs)) logs = parsed.tlogs as Array<{ baseUrl?: unknown }>;
  } catch {
    return; // reported by the verification that follows
  }
  const urls = logs
    .map((l) => (typeof l.baseUrl === 'string' ? l.baseUrl.replace(/\/+$/, '') : ''))
    .filter((u) => u !== '');
  if (urls.length === 0) {
    throw new UserError(
      'trusted-root: no transparency log in it has a baseUrl; Flux (verify.trustedRootSecretRef) takes its Rekor URL from there and refuses this root; add "baseUrl" to its tlogs entry',
      'trusted-root',
    );
  }
  if (!urls.includes(rekorURL.replace(/\/+$/, ''))) {
    core.warning(
      `trusted-root: its transparency logs name ${urls.join(', ')}, not rekor-url ${rekorURL}; Flux uses the trusted root's baseUrl for Rekor lookups`,
    );
  }
}

/** A fork pull request gets no OIDC token (and no write token): say so instead of a 401. */
function isForkPullRequest(ctx: WorkflowContext): boolean {
  if (!ctx.eventName.startsWith('pull_request')) return false;
  const head = get(ctx.event, 'pull_request', 'head', 'repo', 'full_name');
  const base = get(ctx.event, 'pull_request', 'base', 'repo', 'full_name');
  return typeof head === 'string' && typeof base === 'string' && head !== base;
}

function isPrivateRepository(ctx: WorkflowContext): boolean {
  const repo = get(ctx.event, 'repository');
  const visibility = get(repo, 'visibility');
  return get(repo, 'private') === true || visibility === 'private' || visibility === 'internal';
}

/** The OIDC token the runner provides (audience `sigstore`), with messages for what is missing. */
function githubIdentity(ctx: WorkflowContext) {
  // Checked before anything is pushed, so a missing permission costs nothing.
  if (!process.env.ACTIONS_ID_TOKEN_REQUEST_URL || !process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN) {
    if (isForkPullRequest(ctx)) {
      throw new UserError(
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub expression for the user to paste
        'pull requests from forks get no OIDC token, so they cannot be signed keylessly; set sign: false for fork pull requests (e.g. sign: ${{ !github.event.pull_request.head.repo.fork }})',
        'sign',
      );
    }
    throw new UserError(
      'keyless signing needs an OIDC token: add `permissions: id-token: write` to the job (or set sign: false, or sign with cosign-key)',
      'sign',
    );
  }
  return { getToken: () => githubIdToken('sigstore') };
}

/**
 * The runner's OIDC token, asked as `core.getIDToken()` asks it (`$ACTIONS_ID_TOKEN_REQUEST_URL&
 * audience=…` with the request token as Bearer, `{"value": …}` back, masked), through the
 * Sigstore HTTP helper: @actions/core's client would load all of undici (fetch, WebSocket …,
 * ~45 ms) in a run that otherwise needs its core only.
 */
async function githubIdToken(audience: string): Promise<string> {
  const { getJSON } = await import('../signing/http.js');
  const url = `${process.env.ACTIONS_ID_TOKEN_REQUEST_URL}&audience=${encodeURIComponent(audience)}`;
  const body = (await getJSON(url, {
    authorization: `Bearer ${process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN}`,
    'user-agent': 'actions/oidc-client',
  })) as { value?: unknown } | undefined;
  const token = typeof body?.value === 'string' ? body.value : '';
  if (!token) throw new Error('the ID token response has no "value"');
  core.setSecret(token);
  return token;
}

/** An http(s) URL input (fulcio-url, rekor-url, tsa-url), checked before anything is sent. */
function urlInput(inputs: Inputs, name: string): string | undefined {
  const v = inputs.string(name);
  if (v === undefined) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(v);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw new UserError(
      `input ${name} "${v}" is not an http(s) URL; give one like https://fulcio.example.com`,
      name,
    );
  }
  return v;
}

/** Reads the signing inputs shared by publish and sign and builds the signer. */
export async function signingSetup(inputs: Inputs, ctx: WorkflowContext): Promise<SigningSetup> {
  const format = inputs.choice('signature-format', SIGNATURE_FORMATS, 'cosign-v3');
  const key = inputs.secret('cosign-key');
  // Keyless: the signer and the HTTP helper its OIDC token request needs load at once. A module
  // still to be read waits for the layer build (on this thread) to yield; one after the other,
  // the second was in ~9 ms after the first (docs/benchmarks.md, 2026-12-04).
  const loadKeyless = () =>
    Promise.all([import('../signing/keyless.js'), import('../signing/http.js')]);
  const keylessModules = key ? undefined : loadKeyless();
  keylessModules?.catch(() => {});
  const trustedRoot = await readTrustedRoot(inputs, ctx.workspace);
  const password = inputs.secret('cosign-key-password');
  const fulcioURL = urlInput(inputs, 'fulcio-url') ?? DEFAULT_FULCIO_URL;
  const rekorInput = urlInput(inputs, 'rekor-url');
  const tsaURL = urlInput(inputs, 'tsa-url');
  if (key && !key.includes('-----BEGIN')) {
    throw new UserError(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub expression for the user to paste
      'input cosign-key must be the contents of cosign.key (a PEM block), not a file name; pass it from a secret: cosign-key: ${{ secrets.COSIGN_KEY }}',
      'cosign-key',
    );
  }
  if (key) {
    if (password === undefined && !process.env.COSIGN_PASSWORD) {
      throw new UserError(
        'cosign-key is set but cosign-key-password is empty; pass the key password from a secret',
        'cosign-key-password',
      );
    }
    // Flux's key-based verification ignores the transparency log, so a key signature is only
    // logged when the user names a Rekor.
    // The key's scrypt (a quarter second of CPU, in the thread pool) starts first; the signer
    // modules (sigstore-js and its HTTP stack, loaded only when a step signs) load meanwhile.
    const { loadCosignKey } = await import('../signing/cosign-key.js');
    const keyPair = loadCosignKey(key, password ?? process.env.COSIGN_PASSWORD ?? '');
    keyPair.catch(() => {});
    const { KeySigner, preloadSigstore } = await import('../signing/key.js');
    preloadSigstore();
    const signer = KeySigner.fromKeyPair(keyPair, { rekorURL: rekorInput, tsaURL });
    return {
      format,
      signer,
      keyless: false,
      trustedRoot,
      services: { keyless: false, ...(rekorInput ? { rekorURL: rekorInput } : {}) },
      ready: keyPair,
    };
  }
  const rekorURL = rekorInput ?? DEFAULT_REKOR_URL;
  if (
    rekorURL.replace(/\/+$/, '') === DEFAULT_REKOR_URL &&
    isPrivateRepository(ctx) &&
    !inputs.boolean('allow-public-log-for-private-repo', false)
  ) {
    throw new UserError(
      `this repository is private, and keyless signing would publish its name and workflow in the public Rekor transparency log; set allow-public-log-for-private-repo: true to accept that, or sign with cosign-key, or use a private Sigstore (fulcio-url, rekor-url)`,
      'allow-public-log-for-private-repo',
    );
  }
  const [{ KeylessSigner }] = await (keylessModules ?? loadKeyless());
  const signer = new KeylessSigner({
    identityProvider: githubIdentity(ctx),
    fulcioURL,
    rekorURL,
    tsaURL,
  });
  const trustedRootPath = inputs.string('trusted-root');
  const isPrivate =
    trustedRootPath !== undefined ||
    fulcioURL.replace(/\/+$/, '') !== DEFAULT_FULCIO_URL ||
    rekorURL.replace(/\/+$/, '') !== DEFAULT_REKOR_URL;
  if (trustedRoot) checkTrustedRootRekor(trustedRoot, rekorURL);
  return {
    format,
    signer,
    keyless: true,
    trustedRoot,
    services: { keyless: true, fulcioURL, rekorURL },
    ...(isPrivate ? { privateSigstore: trustedRootPath ? { trustedRootPath } : {} } : {}),
  };
}

export async function signDigest(
  client: RegistryClient,
  digest: string,
  setup: SigningSetup,
  subject?: { mediaType: string; size: number },
  /** See SignStep: the manifest is being stored while the signatures are made. */
  stored?: Promise<unknown>,
): Promise<SignedWith> {
  // Started before a cosign key is decrypted: its payload's blob needs none. A wrong password
  // is the error, once everything started has settled.
  const signing = signArtifact({
    client,
    digest,
    format: setup.format,
    signer: setup.signer,
    ...(subject ? { subject: { ...subject, digest } } : {}),
    ...(stored ? { stored } : {}),
  });
  signing.catch(() => {});
  await setup.ready?.catch(async (err: unknown) => {
    await signing.catch(() => {});
    throw err;
  });
  core.info(
    `signing ${client.repository.name}@${digest} (${setup.format}, ${setup.keyless ? 'keyless' : 'key'})`,
  );
  const result = await signing;
  if (result.certificateIdentity) {
    core.info(`signed as ${result.certificateIdentity} (issuer ${result.certificateOidcIssuer})`);
  }
  if (setup.trustedRoot) await checkSignature(client, digest, result, setup.trustedRoot);
  const bundlePath = await reportSignature(digest, setup.services, result);
  return {
    ...result,
    ...(setup.privateSigstore ? { privateSigstore: setup.privateSigstore } : {}),
    ...(bundlePath ? { bundlePath } : {}),
  };
}

/**
 * Verifies what was just stored, with Flux's rules and exactly this signature's identity, against
 * the given trusted root: a private Sigstore that the cluster cannot verify fails here, before
 * any tag moves, rather than in the cluster.
 */
async function checkSignature(
  client: RegistryClient,
  digest: string,
  signed: SignArtifactResult,
  trustedRoot: string,
): Promise<void> {
  const identities =
    signed.certificateIdentity && signed.certificateOidcIssuer
      ? [exactIdentity(signed.certificateOidcIssuer, signed.certificateIdentity)]
      : [];
  // Loaded only here: most runs sign against public Sigstore without a trusted-root input.
  const { verifyArtifact } = await import('../signing/verify/index.js');
  const result = await verifyArtifact({
    client,
    digest,
    identities,
    ...(signed.publicKey ? { publicKey: signed.publicKey } : {}),
    trustedRoot,
  });
  if (!result.verified) {
    throw new UserError(
      `the signature just stored does not verify against trusted-root (${verifyReason(result)}); no tag was moved; check that fulcio-url, rekor-url and trusted-root belong to the same Sigstore`,
      'trusted-root',
    );
  }
  core.info(`signature verified against trusted-root (${result.format}, Flux's rules)`);
}

/** What signDigest will return for `setup`, as far as known before the signature is stored. */
export function expectedSigned(setup: SigningSetup): SignedWith {
  const formats: SignedWith['formats'] =
    setup.format === 'both' ? ['cosign-v2', 'cosign-v3'] : [setup.format];
  const identity = setup.signer.identity();
  const publicKey = setup.signer.publicKeyPEM();
  return {
    formats,
    ...(identity ?? {}),
    ...(publicKey ? { publicKey } : {}),
    ...(setup.privateSigstore ? { privateSigstore: setup.privateSigstore } : {}),
  };
}
