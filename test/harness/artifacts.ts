// A small Flux-shaped artifact pushed straight to a registry (manifest and config exactly as
// src/artifact writes them), for tests whose subject is what happens to an artifact afterwards.
import { createHash } from 'node:crypto';
import { annotationsFrom, buildManifest, configBlob } from '../../src/artifact/index.js';
import type { RegistryClient } from '../../src/oci/client.js';

export interface PushedTestArtifact {
  digest: string;
  bytes: Buffer;
}

/**
 * Pushes a one-layer artifact whose layer bytes are `layer` (random by default, so every call
 * makes a new digest); tagged when `tag` is given, else put by digest only.
 */
export async function pushTestArtifact(
  client: RegistryClient,
  options: { layer?: Buffer; tag?: string } = {},
): Promise<PushedTestArtifact> {
  const layer = options.layer ?? Buffer.from(`data-${Math.random()}`);
  const layerDigest = `sha256:${createHash('sha256').update(layer).digest('hex')}`;
  const config = configBlob();
  await client.uploadBlob(
    { bytes: config.bytes },
    config.descriptor.digest,
    config.descriptor.size,
  );
  await client.uploadBlob({ bytes: layer }, layerDigest, layer.length);
  const manifest = buildManifest({
    layer: { digest: layerDigest, size: layer.length },
    annotations: annotationsFrom({
      created: '1970-01-01T00:00:00Z',
      source: 'https://github.com/org/repo',
      revision: `main@sha1:${'a'.repeat(40)}`,
    }),
  });
  await client.putManifest(options.tag ?? manifest.digest, manifest.bytes, manifest.mediaType);
  return { digest: manifest.digest, bytes: manifest.bytes };
}
