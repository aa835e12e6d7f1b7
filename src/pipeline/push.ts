import { createHash } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import {
  buildManifest,
  CREATED_ANNOTATION,
  configBlob,
  type FluxFormat,
  firstLayer,
  fluxFormat,
} from '../artifact/index.js';
import type { RegistryClient } from '../oci/client.js';
import { allSettled } from '../util/settle.js';
import type { ManifestRef } from './tags.js';

export interface LayerRef {
  digest: string;
  size: number;
  /** The tar+gzip file on disk. */
  file: string;
}

export interface PushedArtifact extends ManifestRef {
  layer: { digest: string; size: number };
  /** false when an identical artifact was already at `diffTag`. */
  pushed: boolean;
}

/**
 * How "unchanged" is decided when a local layer is compared with a remote one.
 * - `layer-digest`: Flux's rule (`flux diff artifact`): same layer digest and size.
 * - `tar-content`: the same, or else the same uncompressed tar (sha256), so an artifact that another
 *   Flux line compressed (another Go compress/flate) is not "changed".
 */
export type DiffRule = 'tar-content' | 'layer-digest';
export const DIFF_RULES: readonly DiffRule[] = ['tar-content', 'layer-digest'];

export interface LayerComparison {
  readonly same: boolean;
  /** The rule that decided: `layer-digest` when the digests settled it, else `tar-content`. */
  readonly decidedBy: DiffRule;
}

/** sha256 of a remote gzip layer's uncompressed bytes; undefined when it is not gzip. */
async function remoteTarDigest(
  client: RegistryClient,
  digest: string,
): Promise<string | undefined> {
  const hash = createHash('sha256');
  try {
    await pipeline(await client.fetchBlob(digest), createGunzip(), async (chunks) => {
      for await (const c of chunks) hash.update(c as Buffer);
    });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code?.startsWith('Z_')) return undefined;
    throw err;
  }
  return `sha256:${hash.digest('hex')}`;
}

/** Compares our layer with a remote first layer under `rule`. */
export async function compareLayers(
  client: RegistryClient,
  remote: { digest: string; size: number } | undefined,
  local: { digest: string; size: number; tarDigest: string },
  rule: DiffRule,
): Promise<LayerComparison> {
  if (!remote) return { same: false, decidedBy: 'layer-digest' };
  if (remote.digest === local.digest && remote.size === local.size) {
    return { same: true, decidedBy: 'layer-digest' };
  }
  if (rule === 'layer-digest') return { same: false, decidedBy: 'layer-digest' };
  const tar = await remoteTarDigest(client, remote.digest);
  return { same: tar === local.tarDigest, decidedBy: 'tar-content' };
}

/**
 * Returns the artifact at `tag` when its first layer is unchanged under `rule` (also telling
 * which rule decided); no manifest when it changed or the tag does not exist.
 */
export async function findUnchanged(
  client: RegistryClient,
  tag: string,
  layer: { digest: string; size: number; tarDigest: string },
  rule: DiffRule = 'tar-content',
): Promise<{ manifest?: ManifestRef; decidedBy: DiffRule }> {
  if ((await client.headManifest(tag)) === undefined) return { decidedBy: 'layer-digest' };
  const remote = await client.getManifest(tag);
  const cmp = await compareLayers(client, firstLayer(remote.bytes), layer, rule);
  return cmp.same ? { manifest: remote, decidedBy: cmp.decidedBy } : { decidedBy: cmp.decidedBy };
}

/** What publish learns of the artifact before its manifest is stored, and may hold it at. */
export interface PushHooks {
  /** Told the manifest's descriptor as its blobs' uploads start (publish looks its tags up and
   * starts its signature meanwhile). */
  onDigest?: (manifest: { digest: string; mediaType: string; size: number }) => void;
  /**
   * Awaited once the upload of the blobs has started and before the manifest is put: a
   * rejection stops the push before the artifact exists (the blobs are then left unreferenced,
   * invisible and collected by the registry). Its error wins over a failed blob upload.
   */
  beforeManifest?: () => Promise<void>;
  /** Called as the manifest's PUT goes out (its blobs stored): readers of the signature's tags
   * may send their first reads with it. */
  sendingManifest?: () => void;
}

/**
 * Uploads the config and layer blobs and puts the manifest by digest only: no tag moves here,
 * so signing can happen before any tag points at the artifact.
 */
export async function pushByDigest(
  client: RegistryClient,
  layer: LayerRef,
  annotations: Record<string, string>,
  format: FluxFormat = fluxFormat('2.9'),
  hooks: PushHooks = {},
): Promise<PushedArtifact> {
  const config = configBlob(format, annotations[CREATED_ANNOTATION]);
  const manifest = buildManifest({
    layer: { digest: layer.digest, size: layer.size },
    annotations,
    config: config.descriptor,
  });
  // Both settle before a failure is reported: the other upload, still retrying, must not outlive
  // the step (it kept an unreachable registry's step alive past its end).
  const blobs = allSettled([
    client.uploadBlob({ bytes: config.bytes }, config.descriptor.digest, config.descriptor.size),
    client.uploadBlob({ path: layer.file }, layer.digest, layer.size),
  ]);
  blobs.catch(() => {});
  hooks.onDigest?.({
    digest: manifest.digest,
    mediaType: manifest.mediaType,
    size: manifest.bytes.length,
  });
  if (hooks.beforeManifest) {
    try {
      await hooks.beforeManifest();
    } catch (err) {
      await blobs.catch(() => {}); // nothing of this step may outlive it
      throw err;
    }
  }
  await blobs;
  hooks.sendingManifest?.();
  await client.putManifest(manifest.digest, manifest.bytes, manifest.mediaType);
  return { ...manifest, layer: { digest: layer.digest, size: layer.size }, pushed: true };
}
