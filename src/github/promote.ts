// The GitHub side of tag@v1: every input read and checked into PromoteInputs before the first
// registry request; the flow is src/pipeline/promote.ts; failures worded for the user here, then
// the outputs and the summary.
import * as core from '@actions/core';
import { parseTag } from '../oci/reference.js';
import { type PromoteResult, promoteArtifact } from '../pipeline/promote.js';
import type { IfExists } from '../pipeline/tags.js';
import { UserError } from '../util/errors.js';
import { readRef, refLabel, resolveDigest } from './artifact-ref.js';
import { guardArtifactHasFiles } from './content-guard.js';
import { contextFromEnv, expandTag, provenance, tagVariables } from './context.js';
import type { Inputs } from './inputs.js';
import { ociRepositoryYaml } from './ocirepository-yaml.js';
import { setOutputs } from './outputs.js';
import { type Connection, connect, connectOther } from './registry.js';
import { copyToAuthMessage, tagFailureOutputs } from './registry-errors.js';
import { type SignedWith, type SigningSetup, signDigest, signingSetup } from './signing.js';
import { verifyInput, verifyReason } from './signing-errors.js';
import { code, table, writeSummary } from './summary.js';
import { readVerifyInputs, type VerifyInputs } from './verify-inputs.js';

/** Every input of tag@v1, read and checked: nothing has happened yet. */
export interface PromoteInputs {
  /** Still read where used: the content guard (allow-empty). */
  inputs: Inputs;
  summary: boolean;
  source: Connection;
  ref: string;
  tags: string[];
  ifExists: IfExists;
  verify?: VerifyInputs;
  copyTo?: Connection;
  signing?: SigningSetup;
}

export async function readPromoteInputs(inputs: Inputs): Promise<PromoteInputs> {
  const summary = inputs.boolean('summary', true); // read first: a bad value fails before any work
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
  await setup?.ready; // a wrong key password fails before any tag is read or copied
  return {
    inputs,
    summary,
    source,
    ref,
    tags,
    ifExists,
    ...(verifyInputs ? { verify: verifyInputs } : {}),
    ...(copyTo ? { copyTo } : {}),
    ...(setup ? { signing: setup } : {}),
  };
}

/** resolve → verify → copy → sign → tags, then the outputs and the summary. */
export async function promote(input: PromoteInputs): Promise<void> {
  const { source, copyTo, ref, tags } = input;
  // What the step does, before its first request (as `flux tag artifact` starts).
  const label = refLabel(source.repository, ref);
  core.info(
    copyTo
      ? `copying ${label} to ${copyTo.repository.name} and tagging it ${tags.join(', ')}`
      : `tagging ${label} as ${tags.join(', ')}`,
  );
  const verifyInputs = input.verify;
  const setup = input.signing;
  const target = copyTo ?? source;
  const result = await promoteArtifact<SignedWith>(
    {
      source: source.client,
      ...(copyTo ? { copyTo: copyTo.client } : {}),
      ref,
      tags,
      ifExists: input.ifExists,
      ...(verifyInputs ? { verify: verifyInputs } : {}),
      ...(setup
        ? {
            sign: {
              step: (client, digest) => signDigest(client, digest, setup),
              bundle: setup.format !== 'cosign-v2',
            },
          }
        : {}),
      tmpDir: process.env.RUNNER_TEMP || undefined,
    },
    {
      log: core.info,
      warn: core.warning,
      resolve: resolveDigest,
      guard: (digest) =>
        guardArtifactHasFiles(source.client, digest, {
          inputs: input.inputs,
          label: `${refLabel(source.repository, ref)}${ref.includes(':') ? '' : ` (${digest})`}`,
          tags,
        }),
      verified: (verified, digest) => {
        if (verified.verified || !verifyInputs) return;
        const input = verifyInput(verified, verifyInputs.publicKeys !== undefined);
        throw new UserError(
          `${source.repository.name}@${digest} is not verified (${verified.format}): ${verifyReason(verified)}; no tag was moved${verified.failure === 'copied-signature' ? '' : `; check ${input} against the signer`}`,
          input,
        );
      },
      bundleShadowsSig: (digest) =>
        core.warning(
          `${target.repository.name}@${digest} has only cosign v2 (.sig) signatures: after this cosign v3 bundle, Flux 2.8+ verifies the bundles only, so identities that signed just the .sig stop verifying there; set signature-format: cosign-v2 to keep them`,
        ),
      onTarget: (step) => explainCopyAuth(source, copyTo, step),
    },
  ).catch((err: unknown) => {
    tagFailureOutputs(err);
    throw err;
  });
  for (const s of result.tagged.skipped)
    core.warning(`tag ${s.tag} left at ${s.at} (if-exists: skip)`);
  await reportPromoted(input, result);
}

async function reportPromoted(
  input: PromoteInputs,
  { digest, verified, copied, signed, tagged: result }: PromoteResult<SignedWith>,
): Promise<void> {
  const { source, tags } = input;
  const target = input.copyTo ?? source;
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
    'bundle-path': signed?.bundlePath,
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
    input.summary,
    `## Flux OCI artifact ${copied ? 'promoted' : 'tagged'}\n\n${table(['', ''], facts)}\n${table(['Tag', 'Result'], rows)}${yaml}`,
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
