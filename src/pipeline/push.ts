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
import type { PendingUpload } from '../oci/upload.js';
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

/** A layer up to this size is PUT without asking first whether the registry has it. */
const PUT_WITHOUT_HEAD_BYTES = 1024 * 1024;

/**
 * What a push can start before its layer exists (prepareUploads): the config blob's upload
 * (its bytes depend on the annotations only) and an upload session for the layer.
 */
export interface PreparedUploads {
  /** The config blob uploaded, and its digest ('' when none was). */
  readonly configDigest: string;
  readonly config: Promise<boolean>;
  readonly layer: PendingUpload;
  /** Stops what was not used and waits for all of it (nothing may outlive the step). */
  settle(): Promise<void>;
}

/**
 * Starts, while the layer is built, what its push needs before the layer: the config blob is
 * uploaded and the layer's session opened, so once it is built the layer is one PUT away (a small
 * one is sent without a HEAD: re-sending it costs about what asking would) over a connection
 * already open. To a remote registry that is a round trip and a connection's handshakes less on
 * every publish; blobs and sessions are invisible until a manifest names them.
 */
export function prepareUploads(
  client: RegistryClient,
  annotations: Record<string, string>,
  format: FluxFormat,
): PreparedUploads {
  // A config that cannot be made (no created time for 2.10) fails in pushByDigest, as before.
  let blob: ReturnType<typeof configBlob> | undefined;
  try {
    blob = configBlob(format, annotations[CREATED_ANNOTATION]);
  } catch {
    blob = undefined;
  }
  const config = blob
    ? client.uploadBlob({ bytes: blob.bytes }, blob.descriptor.digest, blob.descriptor.size)
    : Promise.resolve(false);
  config.catch(() => {});
  const layer = client.openUpload('the artifact layer blob');
  return {
    configDigest: blob?.descriptor.digest ?? '',
    config,
    layer,
    settle: async () => {
      await allSettled([config, layer.settle()]).catch(() => {});
    },
  };
}

/**
 * Uploads the config and layer blobs and puts the manifest by digest only: no tag moves here,
 * so signing can happen before any tag points at the artifact. `prepared`: started while the
 * layer was built (settled by its owner).
 */
export async function pushByDigest(
  client: RegistryClient,
  layer: LayerRef,
  annotations: Record<string, string>,
  format: FluxFormat = fluxFormat('2.9'),
  hooks: PushHooks = {},
  prepared?: PreparedUploads,
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
    (prepared?.configDigest === config.descriptor.digest ? prepared.config : undefined) ??
      client.uploadBlob({ bytes: config.bytes }, config.descriptor.digest, config.descriptor.size),
    prepared
      ? prepared.layer.upload({ path: layer.file }, layer.digest, layer.size, {
          check: layer.size > PUT_WITHOUT_HEAD_BYTES,
        })
      : client.uploadBlob({ path: layer.file }, layer.digest, layer.size),
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
