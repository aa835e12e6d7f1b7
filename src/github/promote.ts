// Promotion: resolve ref → digest; verify on the source (verify: true); copy with its signatures
// (copy-to); sign on the target (sign: true); then move the tags. Every input is read and checked
// before the first registry request, and tags move last, so a failure at any step moves none.
import * as core from '@actions/core';
import { parseTag } from '../oci/reference.js';
import { type CopyResult, copyArtifact } from '../pipeline/copy.js';
import { applyTags } from '../pipeline/tags.js';
import type { SignArtifactResult } from '../signing/attach.js';
import { cosignSignatureTag } from '../signing/types.js';
import { type VerifyResult, verifyArtifact } from '../signing/verify/index.js';
import { UserError } from '../util/errors.js';
import { readRef, refLabel, resolveDigest } from './artifact-ref.js';
import { guardArtifactHasFiles } from './content-guard.js';
import { contextFromEnv, expandTag, provenance, tagVariables } from './context.js';
import type { Inputs } from './inputs.js';
import { setOutputs } from './outputs.js';
import { type Connection, connect, connectOther } from './registry.js';
import { copyToAuthMessage, tagFailureOutputs } from './registry-errors.js';
import { ociRepositoryYaml, signDigest, signingSetup } from './signing.js';
import { verifyInput, verifyReason } from './signing-errors.js';
import { code, table, writeSummary } from './summary.js';
import { readVerifyInputs } from './verify-inputs.js';

export async function promote(inputs: Inputs): Promise<void> {
  const summaryOn = inputs.boolean('summary', true); // read first: a bad value fails before any work
  const ctx = contextFromEnv();
  const source = connect(inputs);
  const ref = readRef(inputs);
  const vars = tagVariables(provenance(ctx));
  const tags = inputs.list('tags')?.map((t) => parseTag(expandTag(t, vars), { input: 'tags' }));
  if (!tags || tags.length === 0)
    throw new UserError('input tags is required: list the tags to add', 'tags');
  const ifExists = inputs.choice('if-exists', ['overwrite', 'fail', 'skip'] as const, 'overwrite');

  const verify = inputs.boolean('verify', false);
  const verifyInputs = verify ? await readVerifyInputs(inputs, ctx.workspace) : undefined;
  if (!verify && (inputs.string('match-oidc-identity') || inputs.string('public-key'))) {
    core.warning(
      'match-oidc-identity/public-key are set but verify is false, so the signature is not checked; set verify: true',
    );
  }
  let copyTo: Connection | undefined;
  if (inputs.string('copy-to')) {
    copyTo = connectOther(inputs, 'copy-to', source.repository);
    if (copyTo.repository.name === source.repository.name) {
      throw new UserError(
        `input copy-to names the source repository ${source.repository.name}; give another repository, or drop copy-to to tag in place`,
        'copy-to',
      );
    }
  }
  // Checked now (OIDC permission, key password, private-repo consent): nothing has happened yet.
  const setup = inputs.boolean('sign', false) ? await signingSetup(inputs, ctx) : undefined;

  // 1. Everything below works on the digest the ref points at now; a tag may move meanwhile.
  const digest = await resolveDigest(source.client, ref);
  if (!ref.includes(':')) core.info(`${source.repository.name}:${ref} is ${digest}`);
  // An artifact with no files would empty every cluster that follows these tags.
  await guardArtifactHasFiles(source.client, digest, {
    inputs,
    label: `${refLabel(source.repository, ref)}${ref.includes(':') ? '' : ` (${digest})`}`,
    tags,
  });

  // 2. Verify with Flux's rules, on the source, before anything is written.
  let verified: VerifyResult | undefined;
  if (verifyInputs) {
    verified = await verifyArtifact({
      client: source.client,
      digest,
      ...verifyInputs,
    });
    for (const w of verified.warnings) core.warning(w);
    if (!verified.verified) {
      const input = verifyInput(verified, verifyInputs.publicKeys !== undefined);
      throw new UserError(
        `${source.repository.name}@${digest} is not verified (${verified.format}): ${verifyReason(verified)}; no tag was moved${verified.failure === 'copied-signature' ? '' : `; check ${input} against the signer`}`,
        input,
      );
    }
    core.info(
      `verified ${source.repository.name}@${digest} (${verified.format}${verified.identity ? `, ${verified.identity.subject}` : ''})`,
    );
  }

  // 3. Copy (manifest by digest, then signatures); no tag yet.
  let copied: CopyResult | undefined;
  if (copyTo) {
    const to = copyTo;
    copied = await explainCopyAuth(source, to, () =>
      copyArtifact(source.client, to.client, digest, {
        tmpDir: process.env.RUNNER_TEMP || undefined,
        log: core.info,
      }),
    );
  }
  const target = copyTo ?? source;

  // 4. Sign on the target with this workflow's identity.
  let signed: SignArtifactResult | undefined;
  if (setup) {
    const s = setup;
    if (s.format !== 'cosign-v2') await warnBundleShadowsSig(target, digest);
    signed = await explainCopyAuth(source, copyTo, () => signDigest(target.client, digest, s));
  }

  // 5. Tags last.
  const result = await explainCopyAuth(source, copyTo, async () =>
    applyTags(target.client, await target.client.getManifest(digest), tags, ifExists),
  ).catch((err: unknown) => {
    tagFailureOutputs(err);
    throw err;
  });
  for (const t of result.tags) core.info(`artifact tagged as ${target.repository.name}:${t}`);
  for (const s of result.skipped) core.warning(`tag ${s.tag} left at ${s.at} (if-exists: skip)`);

  const digestUrl = `${target.repository.name}@${digest}`;
  setOutputs({
    digest,
    'digest-url': digestUrl,
    url: `oci://${digestUrl}`,
    repository: target.repository.name,
    tags: result.tags,
    moved: result.moved.map((m) => m.tag),
    'rolled-back': [],
    skipped: result.skipped.map((s) => s.tag),
    verified: verified ? true : undefined,
    'verified-certificate-identity': verified?.identity?.subject,
    'verify-rule': verified?.rule,
    copied: copied !== undefined,
    'source-digest-url': copied ? `${source.repository.name}@${digest}` : undefined,
    signed: signed !== undefined,
    'signature-format': signed?.formats,
    'certificate-identity': signed?.certificateIdentity,
    'certificate-oidc-issuer': signed?.certificateOidcIssuer,
  });

  const facts = [['Artifact', code(digestUrl)]];
  if (copied) {
    facts.push([
      'Copied from',
      `${code(source.repository.name)} (${copied.blobs.copied} blobs copied, ${copied.blobs.skipped} present; signatures: ${copied.sigImage ? '.sig' : 'no .sig'}, ${copied.referrers.length} bundle(s))`,
    ]);
  }
  if (verified) {
    facts.push([
      'Verified before promotion',
      `${verified.format}${verified.identity ? ` as ${code(verified.identity.subject)}` : ' with the public key'}`,
    ]);
  }
  if (signed) {
    facts.push([
      'Signed',
      `${signed.formats.map(code).join(' ')}${signed.certificateIdentity ? ` as ${code(signed.certificateIdentity)}` : ' with the key'}`,
    ]);
  }
  const rows = [
    ...result.tags.map((t) => {
      const moved = result.moved.find((m) => m.tag === t);
      return [code(t), moved ? `moved from ${code(moved.from)}` : 'points here'];
    }),
    ...result.skipped.map((s) => [code(s.tag), `skipped, stays at ${code(s.at)}`]),
  ];
  const yaml = signed
    ? `\n${await ociRepositoryYaml(target.repository.name, result.tags[0] ?? tags[0], signed)}`
    : '';
  await writeSummary(
    summaryOn,
    `## Flux OCI artifact ${copied ? 'promoted' : 'tagged'}\n\n${table(['', ''], facts)}\n${table(['Tag', 'Result'], rows)}${yaml}`,
  );
}

/**
 * Flux >= 2.8 decides on the bundle referrers alone once there is one, so the first bundle hides
 * identities that only signed the `.sig` image (e.g. a publish step with signature-format cosign-v2).
 */
async function warnBundleShadowsSig(target: Connection, digest: string): Promise<void> {
  const referrers = await target.client.listReferrers(digest);
  if (referrers.some((d) => d.artifactType?.startsWith('application/vnd.dev.sigstore.bundle')))
    return;
  if (!(await target.client.headManifest(cosignSignatureTag(digest)))) return;
  core.warning(
    `${target.repository.name}@${digest} has only cosign v2 (.sig) signatures: after this cosign v3 bundle, Flux 2.8+ verifies the bundles only, so identities that signed just the .sig stop verifying there; set signature-format: cosign-v2 to keep them`,
  );
}

/**
 * On another registry, `username`/`password` are not used for copy-to, so the usual
 * "set username/password" advice would mislead: say how to log in to it instead.
 */
async function explainCopyAuth<T>(
  source: Connection,
  copyTo: Connection | undefined,
  step: () => Promise<T>,
): Promise<T> {
  try {
    return await step();
  } catch (err) {
    const host = copyTo?.repository.registry;
    const line =
      host && host !== source.repository.registry
        ? copyToAuthMessage(err, host, source.repository.registry)
        : undefined;
    if (line === undefined) throw err;
    throw new UserError(line, 'copy-to', { cause: err });
  }
}
