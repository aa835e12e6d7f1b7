// The content guard: an artifact with no files, once a cluster follows its tag with
// `prune: true`, deletes everything that cluster deployed. Publish/push refuse to push one and
// tag refuses to move tags onto one, unless `allow-empty: true` says it is on purpose.
import { existsSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import * as core from '@actions/core';
import {
  CONFIG_MEDIA_TYPE,
  CONTENT_MEDIA_TYPE,
  type Layer,
  layerHasFiles,
} from '../artifact/index.js';
import type { RegistryClient } from '../oci/client.js';
import { UserError } from '../util/errors.js';
import type { Inputs } from './inputs.js';

const ALLOW_EMPTY = 'allow-empty';

function allowEmpty(inputs: Inputs): boolean {
  return inputs.boolean(ALLOW_EMPTY, false);
}

/** Nothing but dot-files the runner or other steps may leave (e.g. `.git` of a failed checkout). */
function looksUnchecked(workspace: string): boolean {
  if (existsSync(join(workspace, '.git'))) return false;
  try {
    return readdirSync(workspace).every((n) => n.startsWith('.'));
  } catch {
    return true;
  }
}

/**
 * Refuses a built layer without a single regular file, before anything is pushed. The message
 * names the input at fault and the most likely missing step.
 */
export function guardBuiltLayer(
  layer: Layer,
  opts: { inputs: Inputs; path: string; workspace: string; given: string },
): void {
  if (layer.files > 0) return;
  if (allowEmpty(opts.inputs)) {
    core.warning(
      `input path "${opts.given}" holds no files; pushing an empty artifact because allow-empty is true (a cluster following its tag with prune: true deletes what it deployed)`,
    );
    return;
  }
  const rel = relative(opts.workspace, opts.path) || '.';
  let fix: string;
  if (looksUnchecked(opts.workspace)) {
    fix = `the workspace ${opts.workspace} is empty: add "- uses: actions/checkout@v7" before this step`;
  } else if (layer.skipped.skippedSymlinks > 0) {
    fix = `its ${layer.skipped.skippedSymlinks} symlinks are left out as flux does: set resolve-symlinks: true, or point path at the real files`;
  } else {
    fix = `check path (${rel} in the workspace) and ignore-paths${opts.inputs.boolean('ignore-defaults', true) ? " (Flux's default ignore patterns apply too)" : ''}`;
  }
  throw new UserError(
    `input path "${opts.given}" holds no files to package, so the artifact would empty every cluster that follows its tag; nothing was pushed and no tag moved; ${fix}; or set ${ALLOW_EMPTY}: true to publish an empty artifact on purpose`,
    'path',
  );
}

interface ManifestDoc {
  mediaType?: string;
  config?: { mediaType?: string };
  layers?: { mediaType?: string; digest?: string }[];
}

/**
 * Refuses to move tags onto a Flux artifact whose content layer has no file. Reads the layer only
 * up to its first file. Artifacts that are not Flux artifacts (no Flux content layer) are left to
 * the user: their layers mean something else.
 */
export async function guardArtifactHasFiles(
  client: RegistryClient,
  digest: string,
  opts: { inputs: Inputs; label: string; tags: string[] },
): Promise<void> {
  const manifest = await client.getManifest(digest);
  let doc: ManifestDoc;
  try {
    doc = JSON.parse(Buffer.from(manifest.bytes).toString('utf8')) as ManifestDoc;
  } catch {
    return;
  }
  const layers = doc.layers ?? [];
  const content = layers.find((l) => l.mediaType === CONTENT_MEDIA_TYPE);
  // Only Flux artifacts (Flux config or content layer); an index or an image is not ours to judge.
  if (!content && doc.config?.mediaType !== CONFIG_MEDIA_TYPE) return;
  const empty = content?.digest
    ? !(await layerHasFiles(await client.fetchBlob(content.digest)))
    : true;
  if (!empty) return;
  const what = `${opts.label} holds no files (an empty Flux artifact)`;
  if (allowEmpty(opts.inputs)) {
    core.warning(`${what}; tagging it anyway because allow-empty is true`);
    return;
  }
  throw new UserError(
    `${what}: moving ${opts.tags.join(', ')} onto it would empty every cluster that follows them; no tag was moved; check the ref input (publish it again from a checked-out workspace), or set ${ALLOW_EMPTY}: true to tag it on purpose`,
    'ref',
  );
}
