// The pull flow: the manifest at a ref, its first layer streamed into an atomic install of
// `output` (src/artifact/install.ts). No GitHub knowledge: src/github/pull.ts reads the inputs
// and writes the outputs and the summary.
import { type ExtractResult, firstLayer, manifestAnnotations } from '../artifact/index.js';
import { installLayer, planOutput } from '../artifact/install.js';
import type { RegistryClient } from '../oci/client.js';
import type { FetchedManifest } from '../oci/types.js';
import { PipelineError } from './errors.js';

export interface PullPlan {
  /** Real location of the directory to create, and how the user wrote it (for messages). */
  output: string;
  given: string;
  maxBytes: number;
  maxEntries: number;
  /** `repo:tag` or `repo@digest`, for messages. */
  label: string;
}

export interface PullResult {
  manifest: FetchedManifest;
  annotations: Record<string, string>;
  extracted: ExtractResult;
}

export async function pullArtifact(
  client: RegistryClient,
  ref: string,
  plan: PullPlan,
  log: (line: string) => void,
  /** Turns a failed transfer of `layer` into the error to throw (the caller words it). */
  transferFailed: (err: unknown, layer: string) => unknown = (err) => err,
): Promise<PullResult> {
  const { given, label: target } = plan;
  // Decided before anything is downloaded: a non-empty directory or a file is refused.
  const output = await planOutput(plan.output, given);
  log(`pulling artifact from ${target}`);
  const manifest = await client.getManifest(ref);
  const layer = firstLayer(manifest.bytes);
  if (!layer) throw new PipelineError({ code: 'NOT_AN_ARTIFACT', target });
  const limits = {
    maxBytes: plan.maxBytes,
    maxEntries: plan.maxEntries,
    expect: { digest: layer.digest, size: layer.size },
  };
  const extracted = await installLayer(
    () => client.fetchBlob(layer.digest),
    output,
    limits,
    given,
  ).catch((err: unknown) => {
    throw transferFailed(err, layer.digest);
  });
  return { manifest, annotations: manifestAnnotations(manifest.bytes), extracted };
}
