import * as core from '@actions/core';
import { readRef } from '../github/artifact-ref.js';
import { contextFromEnv } from '../github/context.js';
import { createInputs } from '../github/inputs.js';
import { setOutputs } from '../github/outputs.js';
import { connect } from '../github/registry.js';
import { run } from '../github/run.js';
import { ociRepositoryYaml, signDigest, signingSetup } from '../github/signing.js';
import { code, table, writeSummary } from '../github/summary.js';
import { isDigest } from '../oci/reference.js';

await run(async () => {
  const inputs = createInputs();
  const ctx = contextFromEnv();
  const { repository, client } = connect(inputs);
  const ref = readRef(inputs);
  const setup = await signingSetup(inputs, ctx);
  // Sign the digest the tag points at now, never the tag: a tag may move while we sign.
  const manifest = await client.getManifest(ref);
  if (!isDigest(ref)) core.info(`${repository.name}:${ref} is ${manifest.digest}`);
  const digestUrl = `${repository.name}@${manifest.digest}`;
  const result = await signDigest(client, manifest.digest, setup).catch((err: unknown) => {
    // Not confirmed stored: say so in the outputs too, not only in the failed step.
    setOutputs({
      digest: manifest.digest,
      'digest-url': digestUrl,
      repository: repository.name,
      signed: false,
    });
    throw err;
  });
  setOutputs({
    digest: manifest.digest,
    'digest-url': digestUrl,
    repository: repository.name,
    signed: true,
    'signature-format': result.formats,
    'certificate-identity': result.certificateIdentity,
    'certificate-oidc-issuer': result.certificateOidcIssuer,
    'public-key': result.publicKey,
  });
  const rows = [
    ['Artifact', code(digestUrl)],
    ['Formats', result.formats.map(code).join(' ')],
  ];
  if (result.certificateIdentity) rows.push(['Identity', code(result.certificateIdentity)]);
  if (result.certificateOidcIssuer) rows.push(['Issuer', code(result.certificateOidcIssuer)]);
  await writeSummary(
    inputs.boolean('summary', true),
    `## Flux OCI artifact signed\n\n${table(['', ''], rows)}\n${ociRepositoryYaml(repository.name, isDigest(ref) ? undefined : ref, result)}`,
  );
});
