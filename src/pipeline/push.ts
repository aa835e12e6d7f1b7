import {
  buildManifest,
  CREATED_ANNOTATION,
  configBlob,
  type FluxFormat,
  fluxFormat,
} from '../artifact/index.js';
import type { RegistryClient } from '../oci/client.js';
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

interface OciManifest {
  mediaType?: string;
  config?: { mediaType?: string };
  layers?: { mediaType?: string; digest?: string; size?: number }[];
  annotations?: Record<string, string>;
}

function parse(bytes: Uint8Array): OciManifest {
  return JSON.parse(Buffer.from(bytes).toString('utf8')) as OciManifest;
}

/** A manifest's annotations (source, revision, created for a Flux artifact); {} when none. */
export function manifestAnnotations(bytes: Uint8Array): Record<string, string> {
  return parse(bytes).annotations ?? {};
}

/** The first layer of a manifest, which is what Flux reads and compares. */
export function firstLayer(bytes: Uint8Array): { digest: string; size: number } | undefined {
  const l = parse(bytes).layers?.[0];
  return l?.digest && typeof l.size === 'number' ? { digest: l.digest, size: l.size } : undefined;
}

/**
 * Returns the artifact at `tag` when its first layer equals `layer` (digest and size, as
 * `flux diff artifact` compares), else undefined (also when the tag does not exist).
 */
export async function findUnchanged(
  client: RegistryClient,
  tag: string,
  layer: { digest: string; size: number },
): Promise<ManifestRef | undefined> {
  if ((await client.headManifest(tag)) === undefined) return undefined;
  const remote = await client.getManifest(tag);
  const remoteLayer = firstLayer(remote.bytes);
  if (remoteLayer?.digest === layer.digest && remoteLayer.size === layer.size) return remote;
  return undefined;
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
): Promise<PushedArtifact> {
  const config = configBlob(format, annotations[CREATED_ANNOTATION]);
  await client.uploadBlob(
    { bytes: config.bytes },
    config.descriptor.digest,
    config.descriptor.size,
  );
  await client.uploadBlob({ path: layer.file }, layer.digest, layer.size);
  const manifest = buildManifest({
    layer: { digest: layer.digest, size: layer.size },
    annotations,
    config: config.descriptor,
  });
  await client.putManifest(manifest.digest, manifest.bytes, manifest.mediaType);
  return { ...manifest, layer: { digest: layer.digest, size: layer.size }, pushed: true };
}
