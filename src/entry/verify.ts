import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import * as core from '@actions/core';
import { readRef } from '../github/artifact-ref.js';
import { contextFromEnv } from '../github/context.js';
import { parseIdentities } from '../github/identities.js';
import { createInputs } from '../github/inputs.js';
import { setOutputs } from '../github/outputs.js';
import { connect } from '../github/registry.js';
import { run } from '../github/run.js';
import { code, table, writeSummary } from '../github/summary.js';
import { verifyArtifact } from '../signing/verify/index.js';
import { UserError } from '../util/errors.js';

await run(async () => {
  const inputs = createInputs();
  const ctx = contextFromEnv();
  const { repository, client } = connect(inputs);
  const ref = readRef(inputs);
  const publicKey = inputs.string('public-key');
  const identityText = inputs.string('match-oidc-identity');
  if (!publicKey && !identityText) {
    throw new UserError(
      'give match-oidc-identity (keyless, as in your OCIRepository) or public-key (cosign.pub) to verify against',
      'match-oidc-identity',
    );
  }
  const identities = identityText ? parseIdentities(identityText) : [];
  const rootPath = inputs.string('trusted-root');
  let trustedRoot: string | undefined;
  if (rootPath) {
    try {
      trustedRoot = await readFile(resolve(ctx.workspace, rootPath), 'utf8');
    } catch {
      throw new UserError(
        `input trusted-root: cannot read ${rootPath}; give the path of a trusted_root.json`,
        'trusted-root',
      );
    }
  }
  const failOnUnverified = inputs.boolean('fail-on-unverified', true);

  // Flux verifies the digest the tag resolves to.
  const manifest = await client.headManifest(ref);
  if (!manifest)
    throw new UserError(
      `${repository.name}${ref.includes(':') ? '@' : ':'}${ref} not found; check repository and ref`,
      'ref',
    );
  const result = await verifyArtifact({
    client,
    digest: manifest.digest,
    identities,
    publicKey,
    trustedRoot,
    inputs: {
      identities: 'match-oidc-identity',
      publicKey: 'public-key',
      trustedRoot: 'trusted-root',
    },
  });
  for (const w of result.warnings) core.warning(w);
  const target = `${repository.name}@${manifest.digest}`;
  if (result.verified) {
    core.info(
      `verified ${target} (${result.format}${result.identity ? `, ${result.identity.subject}` : ''})`,
    );
  }
  setOutputs({
    verified: result.verified,
    format: result.format,
    identity: result.identity?.subject,
    issuer: result.identity?.issuer,
    digest: manifest.digest,
    reason: result.reason,
  });
  const rows = [
    ['Artifact', code(target)],
    ['Verified', result.verified ? 'yes' : `**no**: ${result.reason ?? ''}`],
    ['Format (as Flux decides)', code(result.format)],
  ];
  if (result.identity)
    rows.push(
      ['Identity', code(result.identity.subject)],
      ['Issuer', code(result.identity.issuer)],
    );
  await writeSummary(
    inputs.boolean('summary', true),
    `## Flux OCI verify\n\n${table(['', ''], rows)}`,
  );
  if (!result.verified && failOnUnverified) {
    throw new UserError(`${target} is not verified: ${result.reason ?? 'no matching signature'}`);
  }
});
