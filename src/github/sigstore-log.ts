// What a new signature leaves in the step's log and on the runner, as actions/attest does: a
// collapsed group with the certificate Fulcio issued (or the key's public half), one with the
// Rekor log index of each stored format and a link to look it up, and the Sigstore bundle written
// to RUNNER_TEMP, whose path becomes the `bundle-path` output.
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as core from '@actions/core';
import type { SignArtifactResult } from '../signing/attach.js';
import { DEFAULT_REKOR_URL, type StoredFormat } from '../signing/types.js';

/** Where the signature was made: the URLs the log names. */
export interface SigstoreServices {
  keyless: boolean;
  fulcioURL?: string;
  /** Unset: no transparency log (a cosign key without rekor-url). */
  rekorURL?: string;
}

/** The parts of a Sigstore bundle (v0.2/v0.3 JSON) the log reports. */
interface BundleJSON {
  verificationMaterial?: {
    certificate?: { rawBytes?: string };
    x509CertificateChain?: { certificates?: { rawBytes?: string }[] };
    tlogEntries?: { logIndex?: string | number }[];
  };
}

/** public-good Rekor's entries are searchable at search.sigstore.dev; any Rekor answers its API. */
export function rekorEntryURL(rekorURL: string, logIndex: string): string {
  const base = rekorURL.replace(/\/+$/, '');
  return base === DEFAULT_REKOR_URL
    ? `https://search.sigstore.dev/?logIndex=${logIndex}`
    : `${base}/api/v1/log/entries?logIndex=${logIndex}`;
}

/** Logs the signature's groups and writes its bundle; returns the bundle's path, if written. */
export async function reportSignature(
  digest: string,
  services: SigstoreServices,
  result: SignArtifactResult,
): Promise<string | undefined> {
  const bundles = storedBundles(result);
  const first = bundles[0]?.json;

  if (services.keyless) {
    const pem = certificatePEM(first);
    core.startGroup(`Signed with a certificate from ${services.fulcioURL ?? 'Fulcio'}`);
    core.info(`identity: ${result.certificateIdentity ?? '(unknown)'}`);
    core.info(`issuer: ${result.certificateOidcIssuer ?? '(unknown)'}`);
    if (pem) core.info(pem);
    core.endGroup();
  } else if (result.publicKey) {
    core.startGroup('Signed with the cosign key');
    core.info(result.publicKey.trimEnd());
    core.endGroup();
  }

  const logged = bundles.flatMap(({ format, json }) => {
    const index = json?.verificationMaterial?.tlogEntries?.[0]?.logIndex;
    return index === undefined ? [] : [{ format, index: String(index) }];
  });
  if (services.rekorURL && logged.length > 0) {
    core.startGroup(`Signature logged in the Rekor transparency log ${services.rekorURL}`);
    for (const { format, index } of logged)
      core.info(`${format}: log index ${index}, ${rekorEntryURL(services.rekorURL, index)}`);
    core.endGroup();
  } else if (!services.rekorURL) {
    core.info('not logged in a transparency log (a cosign key without rekor-url)');
  }

  const chosen = bundles[0];
  if (!chosen) return undefined;
  const path = await writeBundle(digest, chosen.bytes);
  if (path) core.info(`Sigstore bundle (${chosen.format}) written to ${path}`);
  return path;
}

/** The bundles stored, cosign v3's first (it signs the artifact digest itself). */
function storedBundles(
  result: SignArtifactResult,
): { format: StoredFormat; bytes: Buffer; json: BundleJSON | undefined }[] {
  const out: { format: StoredFormat; bytes: Buffer; json: BundleJSON | undefined }[] = [];
  if (result.cosignV3) {
    const bytes = result.cosignV3.bundle;
    out.push({ format: 'cosign-v3', bytes, json: parse(bytes) });
  }
  if (result.cosignV2?.bundle) {
    const json = result.cosignV2.bundle as BundleJSON;
    out.push({ format: 'cosign-v2', bytes: Buffer.from(JSON.stringify(json)), json });
  }
  return out;
}

function parse(bytes: Buffer): BundleJSON | undefined {
  try {
    return JSON.parse(bytes.toString('utf8')) as BundleJSON;
  } catch {
    return undefined;
  }
}

function certificatePEM(bundle: BundleJSON | undefined): string | undefined {
  const m = bundle?.verificationMaterial;
  const der = m?.certificate?.rawBytes ?? m?.x509CertificateChain?.certificates?.[0]?.rawBytes;
  if (!der) return undefined;
  const lines = der.match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----`;
}

/**
 * `$RUNNER_TEMP/flux-oci-action/sha256-<hex>.sigstore.json`, written whole or not at all (a
 * temporary name, then a rename). Not on a runner (no RUNNER_TEMP): nothing is written.
 */
async function writeBundle(digest: string, bytes: Buffer): Promise<string | undefined> {
  const temp = process.env.RUNNER_TEMP;
  if (!temp) return undefined;
  const dir = join(temp, 'flux-oci-action');
  const path = join(dir, `${digest.replace(':', '-')}.sigstore.json`);
  const partial = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(partial, bytes, { mode: 0o644 });
    await rename(partial, path);
    return path;
  } catch (err) {
    await rm(partial, { force: true });
    // The signature is stored; only the local copy is missing: say so, do not fail the step.
    core.warning(`the Sigstore bundle could not be written to ${dir}: ${(err as Error).message}`);
    return undefined;
  }
}
