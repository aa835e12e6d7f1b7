// Inputs that choose which Flux line's bytes to build (`flux-version`) and how "unchanged" is
// decided (`diff-rule`), read once into typed values.
import {
  DEFAULT_FLUX_LINE,
  FLUX_LINES,
  type FluxFormat,
  fluxFormat,
  parseFluxLine,
} from '../artifact/index.js';
import { DIFF_RULES, type DiffRule } from '../pipeline/push.js';
import { UserError } from '../util/errors.js';
import type { Inputs } from './inputs.js';

/** `flux-version`: `2.10` (default) or `2.9`, also written `v2.9` or `2.9.4`. */
export function readFluxFormat(inputs: Inputs): FluxFormat {
  const given = inputs.string('flux-version');
  if (given === undefined) return fluxFormat(DEFAULT_FLUX_LINE);
  const line = parseFluxLine(given);
  if (!line) {
    throw new UserError(
      `input flux-version "${given}" is not a Flux line whose artifact bytes this action reproduces; use one of: ${FLUX_LINES.join(', ')} (Flux <= 2.8 wrote another config blob)`,
      'flux-version',
    );
  }
  return fluxFormat(line);
}

/** `diff-rule`: `tar-content` (default) or `layer-digest` (exactly `flux diff artifact`'s rule). */
export function readDiffRule(inputs: Inputs): DiffRule {
  return inputs.choice('diff-rule', DIFF_RULES, 'tar-content');
}
