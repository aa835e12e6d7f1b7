// Which Flux CLI line's bytes to reproduce. What differs between lines (from the sources of
// flux2, fluxcd/pkg/oci and go-containerregistry; docs/flux-versions.md has the table):
// - Flux 2.10 (pkg/oci v0.73, ggcr v0.22, built with Go 1.27): Go 1.27's new compress/flate, and
//   a config blob carrying `created` (pkg/oci sets it before changing the config media type).
// - Flux 2.9.0–2.9.5 (pkg/oci v0.68, ggcr v0.21.6, Go 1.26): the classic compress/flate and a
//   constant 115-byte config (ggcr keeps the empty image's config, dropping `created`).
// - Flux <= 2.8 (ggcr v0.20.x) rewrote the config with the layer's diff_id and a history entry,
//   and archived a single file without a `.` entry: other bytes, not offered.
import type { GoDeflate } from './deflate/index.js';

export type FluxLine = '2.10' | '2.9';

/** Accepted lines, newest first; the first is the default. */
export const FLUX_LINES: readonly FluxLine[] = ['2.10', '2.9'];
export const DEFAULT_FLUX_LINE: FluxLine = '2.10';

export interface FluxFormat {
  readonly line: FluxLine;
  /** The Go line whose compress/flate gzips the layer. */
  readonly gzip: GoDeflate;
  /** The config blob carries `created` (2.10) or is the constant empty-image config (2.9). */
  readonly configCreated: boolean;
}

const FORMATS: Readonly<Record<FluxLine, FluxFormat>> = {
  '2.10': { line: '2.10', gzip: 'go1.27', configCreated: true },
  '2.9': { line: '2.9', gzip: 'go1.26', configCreated: false },
};

export function fluxFormat(line: FluxLine = DEFAULT_FLUX_LINE): FluxFormat {
  return FORMATS[line];
}

/** `2.10`, `v2.10`, `2.10.1` → `2.10`; undefined for a line we do not reproduce. */
export function parseFluxLine(value: string): FluxLine | undefined {
  const m = /^v?(\d+)\.(\d+)(?:\.\d+)?$/.exec(value.trim());
  if (!m) return undefined;
  const line = `${Number(m[1])}.${Number(m[2])}`;
  return (FLUX_LINES as readonly string[]).includes(line) ? (line as FluxLine) : undefined;
}
