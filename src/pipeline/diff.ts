// Which files differ between a local tree and the artifact at a tag (what `flux diff artifact`
// decides, plus the file lists): shared by diff@v1 and the pull-request preview comment.
import {
  type BuildOptions,
  buildLayer,
  type ContentsDiff,
  diffContents,
  firstLayer,
  type Layer,
  listLayer,
  listTree,
} from '../artifact/index.js';
import type { RegistryClient } from '../oci/client.js';
import type { FetchedManifest } from '../oci/types.js';
import { compareLayers, type DiffRule } from './push.js';

export interface TreeDiff {
  /** The artifact compared with; undefined when the ref does not exist. */
  remote?: FetchedManifest;
  /** Changed under `rule`, or there is no artifact. */
  changed: boolean;
  /** The rule that decided (`tar-content` only when the layer digests differ). */
  decidedBy: DiffRule;
  files: ContentsDiff;
}

export async function diffTree(
  client: RegistryClient,
  ref: string,
  options: BuildOptions,
  layer: { digest: string; size: number; tarDigest: string },
  rule: DiffRule,
): Promise<TreeDiff> {
  const remote = (await client.headManifest(ref)) ? await client.getManifest(ref) : undefined;
  const remoteLayer = remote ? firstLayer(remote.bytes) : undefined;
  const cmp = await compareLayers(client, remoteLayer, layer, rule);
  let files: ContentsDiff = { added: [], removed: [], modified: [] };
  if (!cmp.same) {
    const local = await listTree(options);
    const theirs = remoteLayer
      ? await listLayer(await client.fetchBlob(remoteLayer.digest))
      : new Map();
    files = diffContents(local, theirs);
  }
  return { ...(remote ? { remote } : {}), changed: !cmp.same, decidedBy: cmp.decidedBy, files };
}

/** diff@v1: builds the local tree as publish would (the layer is only hashed) and compares. */
export async function diffLocal(
  client: RegistryClient,
  ref: string,
  options: BuildOptions,
  rule: DiffRule,
  built: (layer: Layer) => void,
): Promise<TreeDiff & { layer: Layer }> {
  const layer = await buildLayer(options);
  await layer.cleanup();
  built(layer);
  // Same layer digest, or (rule tar-content) the same uncompressed tar: another Flux line's
  // compressor alone does not make a change.
  return { ...(await diffTree(client, ref, options, layer, rule)), layer };
}
