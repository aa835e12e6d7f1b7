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
import type { Inputs } from './inputs.js';
import { code } from './summary.js';
import { readTrustedRoot, VERIFY_INPUT_NAMES } from './verify-inputs.js';

export interface SigningSetup {
  format: SignatureFormat;
  signer: ArtifactSigner;
  keyless: boolean;
  /** trusted_root.json contents: when set, each new signature is verified before tags move. */
  trustedRoot?: string;
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
  return { getToken: () => core.getIDToken('sigstore') };
}

/** Reads the signing inputs shared by publish and sign and builds the signer. */
export async function signingSetup(inputs: Inputs, ctx: WorkflowContext): Promise<SigningSetup> {
  const format = inputs.choice('signature-format', SIGNATURE_FORMATS, 'both');
  const trustedRoot = await readTrustedRoot(inputs, ctx.workspace);
  const key = inputs.secret('cosign-key');
  const password = inputs.secret('cosign-key-password');
  const fulcioURL = inputs.string('fulcio-url') ?? DEFAULT_FULCIO_URL;
  const rekorInput = inputs.string('rekor-url');
  const tsaURL = inputs.string('tsa-url');
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
    const { KeySigner } = await import('../signing/key.js');
    const signer = KeySigner.fromKeyPair(await keyPair, { rekorURL: rekorInput, tsaURL });
    return { format, signer, keyless: false, trustedRoot };
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
  const { KeylessSigner } = await import('../signing/keyless.js');
  const signer = new KeylessSigner({
    identityProvider: githubIdentity(ctx),
    fulcioURL,
    rekorURL,
    tsaURL,
  });
  return { format, signer, keyless: true, trustedRoot };
}

export async function signDigest(
  client: RegistryClient,
  digest: string,
  setup: SigningSetup,
  subject?: { mediaType: string; size: number },
): Promise<SignArtifactResult> {
  core.info(
    `signing ${client.repository.name}@${digest} (${setup.format}, ${setup.keyless ? 'keyless' : 'key'})`,
  );
  const result = await signArtifact({
    client,
    digest,
    format: setup.format,
    signer: setup.signer,
    ...(subject ? { subject: { ...subject, digest } } : {}),
  });
  if (result.certificateIdentity) {
    core.info(`signed as ${result.certificateIdentity} (issuer ${result.certificateOidcIssuer})`);
  }
  if (setup.trustedRoot) await checkSignature(client, digest, result, setup.trustedRoot);
  return result;
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
      ? [
          {
            issuer: `^${re2Literal(signed.certificateOidcIssuer)}$`,
            subject: `^${re2Literal(signed.certificateIdentity)}$`,
          },
        ]
      : [];
  // Loaded only here: most runs sign against public Sigstore without a trusted-root input.
  const { verifyArtifact } = await import('../signing/verify/index.js');
  const result = await verifyArtifact({
    client,
    digest,
    identities,
    ...(signed.publicKey ? { publicKey: signed.publicKey } : {}),
    trustedRoot,
    inputs: VERIFY_INPUT_NAMES,
  });
  if (!result.verified) {
    throw new UserError(
      `the signature just stored does not verify against trusted-root (${result.reason ?? 'no matching signature'}); no tag was moved; check that fulcio-url, rekor-url and trusted-root belong to the same Sigstore`,
      'trusted-root',
    );
  }
  core.info(`signature verified against trusted-root (${result.format}, Flux's rules)`);
}

/** Escapes a literal for a Go RE2 regular expression (what Flux's matchOIDCIdentity takes). */
export function re2Literal(text: string): string {
  return text.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}

const FLUX_VERSIONS: Record<string, string> = {
  'cosign-v2': 'every Flux version with OCIRepository verification',
  'cosign-v3': 'Flux v2.8 and later (source-controller v1.8)',
};

/** A ready-to-paste OCIRepository whose verify block matches exactly this signature. */
export function ociRepositoryYaml(
  repository: string,
  tag: string | undefined,
  result: SignArtifactResult,
): string {
  const lines = [
    'apiVersion: source.toolkit.fluxcd.io/v1',
    'kind: OCIRepository',
    'metadata:',
    `  name: ${repository.split('/').pop() ?? 'artifact'}`,
    '  namespace: flux-system',
    'spec:',
    '  interval: 5m',
    `  url: oci://${repository}`,
    `  ref:`,
    `    tag: ${tag ?? 'latest'}`,
    '  verify:',
    '    provider: cosign',
  ];
  if (result.certificateIdentity && result.certificateOidcIssuer) {
    lines.push(
      '    matchOIDCIdentity:',
      `      - issuer: ^${re2Literal(result.certificateOidcIssuer)}$`,
      `        subject: ^${re2Literal(result.certificateIdentity)}$`,
    );
  } else {
    lines.push(
      '    secretRef:',
      '      name: cosign-pub  # kubectl -n flux-system create secret generic cosign-pub --from-file=cosign.pub',
    );
  }
  const formats = result.formats.map((f) => `- ${code(f)}: ${FLUX_VERSIONS[f]}`).join('\n');
  return `### Verify it in your cluster\n\n\`\`\`yaml\n${lines.join('\n')}\n\`\`\`\n\nSignature formats stored:\n${formats}\n`;
}
