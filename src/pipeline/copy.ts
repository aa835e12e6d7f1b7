// Copies an artifact and its cosign signatures between repositories (same or another registry),
// keeping the manifest bytes, so the digest and every signature over it stay valid.
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { RegistryClient } from '../oci/client.js';
import { type Descriptor, type FetchedManifest, MEDIA_TYPE } from '../oci/types.js';
import type { BlobSource } from '../oci/upload.js';
import { appendSignature, signatureImage } from '../signing/cosign-v2.js';
import { cosignSignatureTag, SIGSTORE_BUNDLE_MEDIA_TYPE_PREFIX } from '../signing/types.js';
import { digestOf } from '../util/digest.js';

/** Referrers of these types are signatures (cosign v3 bundles, any bundle version). */

/** Blobs up to this size are copied through memory, larger ones through a temporary file. */
const IN_MEMORY_LIMIT = 32 * 1024 * 1024;

export interface CopyOptions {
  /** Directory for temporary files of large blobs (default the OS temp dir; the runner's RUNNER_TEMP). */
  tmpDir?: string;
  /** Progress lines, e.g. core.info. */
  log?: (line: string) => void;
}

export interface CopyResult {
  digest: string;
  blobs: { copied: number; skipped: number };
  /** The cosign v2 `.sig` image copied (its digest at the destination). */
  sigImage?: string;
  /** Digests of the signature referrers (Sigstore bundles) copied. */
  referrers: string[];
}

interface Stats {
  copied: number;
  skipped: number;
}

/**
 * Copies `digest` from `from` to `to`: blobs first (skipping those the destination has), then
 * the artifact manifest by digest, then its signatures (`.sig` image, bundle referrers). Tags are
 * the caller's business and come last, so a failure here never leaves a tag on a partial copy.
 */
export async function copyArtifact(
  from: RegistryClient,
  to: RegistryClient,
  digest: string,
  options: CopyOptions = {},
): Promise<CopyResult> {
  const log = options.log ?? (() => {});
  const stats: Stats = { copied: 0, skipped: 0 };
  const copier = new Copier(from, to, options.tmpDir ?? tmpdir(), stats);

  await copier.manifest(digest);
  log(`copied ${from.repository.name}@${digest} to ${to.repository.name}`);

  const sigImage = await copier.sigImage(digest);
  if (sigImage) log(`copied cosign v2 signatures (${cosignSignatureTag(digest)})`);

  const referrers: string[] = [];
  for (const d of await from.listReferrers(digest)) {
    if (!d.artifactType?.startsWith(SIGSTORE_BUNDLE_MEDIA_TYPE_PREFIX)) continue;
    const m = await from.getManifest(d.digest);
    await copier.contents(m);
    // Only OCI image manifests carry a subject, so the default media type is the right one.
    await to.putReferrer(m.bytes);
    referrers.push(d.digest);
  }
  if (referrers.length > 0) log(`copied ${referrers.length} Sigstore bundle referrer(s)`);

  return { digest, blobs: { ...stats }, ...(sigImage ? { sigImage } : {}), referrers };
}

class Copier {
  constructor(
    private readonly from: RegistryClient,
    private readonly to: RegistryClient,
    private readonly tmpDir: string,
    private readonly stats: Stats,
  ) {}

  /** Copies a manifest (or index, with its children) by digest, its blobs first. */
  async manifest(digest: string): Promise<void> {
    // A registry only holds a manifest whose blobs it holds: nothing to do.
    if (await this.to.headManifest(digest)) return;
    const m = await this.from.getManifest(digest);
    await this.contents(m);
    await this.to.putManifest(digest, m.bytes, m.mediaType);
  }

  /** Copies what a manifest refers to: an index's manifests, an image's config and layers. */
  async contents(m: FetchedManifest): Promise<void> {
    const parsed = JSON.parse(m.bytes.toString('utf8')) as {
      manifests?: Descriptor[];
      config?: Descriptor;
      layers?: Descriptor[];
    };
    for (const child of parsed.manifests ?? []) await this.manifest(child.digest);
    const blobs = [...(parsed.config ? [parsed.config] : []), ...(parsed.layers ?? [])];
    // Foreign layers (with `urls`) live outside the registry, as in `crane copy`.
    for (const b of blobs) if (!b.urls?.length) await this.blob(b);
  }

  async blob(d: Descriptor): Promise<void> {
    if (await this.to.blobExists(d.digest)) {
      this.stats.skipped++;
      return;
    }
    const stream = await this.from.fetchBlob(d.digest);
    let source: BlobSource;
    let dir: string | undefined;
    if (d.size <= IN_MEMORY_LIMIT) {
      const chunks: Buffer[] = [];
      for await (const chunk of stream) chunks.push(chunk as Buffer);
      source = { bytes: Buffer.concat(chunks) };
    } else {
      dir = await mkdtemp(join(this.tmpDir, 'blob-'));
      const path = join(dir, 'blob');
      await pipeline(stream, createWriteStream(path));
      source = { path };
    }
    try {
      await this.to.uploadBlob(source, d.digest, d.size);
      this.stats.copied++;
    } finally {
      if (dir) await rm(dir, { recursive: true, force: true });
    }
  }

  /**
   * Copies the `sha256-<hex>.sig` image. When the destination already has one (signed there
   * before), the signatures are merged as cosign appends them, so none is lost.
   */
  async sigImage(digest: string): Promise<string | undefined> {
    const tag = cosignSignatureTag(digest);
    if (!(await this.from.headManifest(tag))) return undefined;
    const source = await this.from.getManifest(tag);
    await this.contents(source);
    const existing = await this.to.headManifest(tag);
    if (!existing) return this.to.putManifest(tag, source.bytes, source.mediaType);
    if (existing.digest === source.digest) return existing.digest;

    const dest = await this.to.getManifest(tag);
    let layers = layersOf(dest);
    for (const layer of layersOf(source)) layers = appendSignature(layers, layer) ?? layers;
    if (layers.length === layersOf(dest).length) return dest.digest;
    const { manifest, config } = signatureImage(layers);
    await this.to.uploadBlob({ bytes: config }, digestOf(config), config.length);
    return this.to.putManifest(tag, manifest, MEDIA_TYPE.ociManifest);
  }
}

function layersOf(m: FetchedManifest): Descriptor[] {
  return (JSON.parse(m.bytes.toString('utf8')) as { layers?: Descriptor[] }).layers ?? [];
}
