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
  const summaryOn = inputs.boolean('summary', true); // read first: a bad value fails before any work
  const ctx = contextFromEnv();
  const { repository, client } = connect(inputs);
  const ref = readRef(inputs);
  // Sign the digest the tag points at now, never the tag: a tag may move while we sign. The
  // lookup runs while the signer is set up (a cosign key's scrypt runs off the main thread).
  const setupPromise = signingSetup(inputs, ctx);
  setupPromise.catch(() => {});
  const manifest = await client.getManifest(ref).catch(async (err: unknown) => {
    await setupPromise; // a bad signing input is reported first, as before
    throw err;
  });
  const setup = await setupPromise;
  if (!isDigest(ref)) core.info(`${repository.name}:${ref} is ${manifest.digest}`);
  const digestUrl = `${repository.name}@${manifest.digest}`;
  const subject = { mediaType: manifest.mediaType, size: manifest.bytes.length };
  const result = await signDigest(client, manifest.digest, setup, subject).catch((err: unknown) => {
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
    summaryOn,
    `## Flux OCI artifact signed\n\n${table(['', ''], rows)}\n${await ociRepositoryYaml(repository.name, isDigest(ref) ? undefined : ref, result)}`,
  );
});
