// The Flux artifact's config blob, annotations and OCI manifest, byte for byte as
// `flux push artifact` writes them: v2.9.x (fluxcd/pkg/oci v0.68 + go-containerregistry v0.21.6)
// and 2.10 (pkg/oci v0.73 + ggcr v0.22.1, whose config carries `created`).

import { MEDIA_TYPE } from '../oci/types.js';
import { digestOf } from '../util/digest.js';
import { goJSON, sortedMap } from '../util/go-json.js';
import { ArtifactError } from './errors.js';
import { type FluxFormat, fluxFormat } from './flux-version.js';

export const CONFIG_MEDIA_TYPE = 'application/vnd.cncf.flux.config.v1+json';
export const CONTENT_MEDIA_TYPE = 'application/vnd.cncf.flux.content.v1.tar+gzip';

export const CREATED_ANNOTATION = 'org.opencontainers.image.created';
export const SOURCE_ANNOTATION = 'org.opencontainers.image.source';
export const REVISION_ANNOTATION = 'org.opencontainers.image.revision';

export interface Descriptor {
  readonly mediaType: string;
  readonly size: number;
  readonly digest: string;
}

// ggcr v0.21.6 keeps the empty image's config for a non-image config media type, so Flux v2.9.x
// pushes this constant for every artifact (the `created` Flux sets is lost).
const CONFIG_JSON =
  '{"architecture":"","created":"0001-01-01T00:00:00Z","os":"","rootfs":{"type":"layers","diff_ids":null},"config":{}}';

/**
 * The config blob and its descriptor: Flux 2.9's constant 115 bytes, or (Flux 2.10) the empty
 * image's config with `created` set to the created annotation's time, as Go marshals it.
 */
export function configBlob(
  format: FluxFormat = fluxFormat('2.9'),
  created?: string,
): { bytes: Buffer; descriptor: Descriptor } {
  let json = CONFIG_JSON;
  if (format.configCreated) {
    if (created === undefined) throw new Error('configBlob: Flux 2.10 needs the created time');
    json = json.replace('"0001-01-01T00:00:00Z"', `"${goTimeJSON(created)}"`);
  }
  const bytes = Buffer.from(json, 'utf8');
  return {
    bytes,
    descriptor: { mediaType: CONFIG_MEDIA_TYPE, size: bytes.length, digest: digestOf(bytes) },
  };
}

/** Go's map marshalling: keys sorted by their UTF-8 bytes. */
function goJSONStringMap(m: Readonly<Record<string, string>>): string {
  return goJSON(sortedMap(m));
}

function descriptorJSON(d: Descriptor): string {
  return `{"mediaType":${goJSON(d.mediaType)},"size":${d.size},"digest":${goJSON(d.digest)}}`;
}

/** time.Time.Format(time.RFC3339) of a UTC instant: `2006-01-02T15:04:05Z` (seconds, no fraction). */
export function formatCreated(date: Date): string {
  if (Number.isNaN(date.getTime())) throw new RangeError('invalid date');
  const y = date.getUTCFullYear();
  if (y < 0 || y > 9999) throw new RangeError('year outside 0000-9999');
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(y, 4)}-${p(date.getUTCMonth() + 1)}-${p(date.getUTCDate())}T${p(date.getUTCHours())}:${p(date.getUTCMinutes())}:${p(date.getUTCSeconds())}Z`;
}

// Go's time.Parse(time.RFC3339, …): 4-digit year, optional fraction (`.` or `,`), `Z` or ±hh:mm.
const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})([.,]\d+)?(Z|[+-](\d{2}):(\d{2}))$/;

/**
 * A `created` value (valid RFC 3339, see isRFC3339) re-serialised as Go's time.Time.MarshalJSON
 * writes the time.Parse result (RFC3339Nano, time/format.go, BSD-3-Clause, The Go Authors): the
 * same wall clock and offset, the fraction cut to 9 digits with trailing zeros dropped (none left:
 * no dot), a zero offset as `Z`.
 */
export function goTimeJSON(created: string): string {
  const m = RFC3339.exec(created);
  if (!m || !isRFC3339(created)) throw new RangeError(`not an RFC 3339 time: ${created}`);
  const [, y, mo, d, h, mi, sec, frac, zone, oh, om] = m;
  let fraction = (frac ?? '').slice(1, 10).replace(/0+$/, '');
  if (fraction !== '') fraction = `.${fraction}`;
  const offset = zone === 'Z' || (oh === '00' && om === '00') ? 'Z' : zone!;
  return `${y}-${mo}-${d}T${h}:${mi}:${sec}${fraction}${offset}`;
}

/** Whether Flux (time.Parse with RFC 3339) accepts this `created` value. */
export function isRFC3339(s: string): boolean {
  const m = RFC3339.exec(s);
  if (!m) return false;
  const [, y, mo, d, h, mi, sec, , , oh, om] = m;
  const month = Number(mo);
  const day = Number(d);
  const daysIn = new Date(Date.UTC(Number(y), month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysIn) return false;
  if (Number(h) > 23 || Number(mi) > 59 || Number(sec) > 59) return false;
  if (oh !== undefined && (Number(oh) > 23 || Number(om) > 59)) return false;
  return true;
}

export interface AnnotationInput {
  /** RFC 3339; use formatCreated(). */
  readonly created: string;
  readonly source: string;
  readonly revision: string;
  /** User annotations; they override the three above, like Flux's Metadata.ToAnnotations. */
  readonly extra?: Readonly<Record<string, string>>;
}

/** Flux's annotations: created/source/revision, then user annotations over them. */
export function annotationsFrom(input: AnnotationInput): Record<string, string> {
  const out: Record<string, string> = {
    [CREATED_ANNOTATION]: input.created,
    [SOURCE_ANNOTATION]: input.source,
    [REVISION_ANNOTATION]: input.revision,
  };
  for (const [k, v] of Object.entries(input.extra ?? {})) out[k] = v;
  // v2.9: an empty `created` falls back to the default; any other value must be RFC 3339.
  if (out[CREATED_ANNOTATION] === '') out[CREATED_ANNOTATION] = input.created;
  if (!isRFC3339(out[CREATED_ANNOTATION]!)) {
    const fromExtra = input.extra?.[CREATED_ANNOTATION] !== undefined;
    throw new ArtifactError({
      code: 'CREATED_INVALID',
      value: out[CREATED_ANNOTATION] ?? '',
      fromExtra,
    });
  }
  return out;
}

export interface BuiltManifest {
  readonly bytes: Buffer;
  readonly digest: string;
  readonly mediaType: string;
  readonly size: number;
}

/** The OCI image manifest ggcr serialises for a Flux artifact (compact JSON, no newline). */
export function buildManifest(input: {
  layer: { digest: string; size: number };
  annotations: Readonly<Record<string, string>>;
  /** The config descriptor; Flux 2.9's constant config when omitted. */
  config?: Descriptor;
}): BuiltManifest {
  const config = input.config ?? configBlob().descriptor;
  const layer: Descriptor = { mediaType: CONTENT_MEDIA_TYPE, ...input.layer };
  let json = `{"schemaVersion":2,"mediaType":${goJSON(MEDIA_TYPE.ociManifest)},"config":${descriptorJSON(config)},"layers":[${descriptorJSON(layer)}]`;
  if (Object.keys(input.annotations).length > 0) {
    json += `,"annotations":${goJSONStringMap(input.annotations)}`;
  }
  json += '}';
  const bytes = Buffer.from(json, 'utf8');
  return {
    bytes,
    digest: digestOf(bytes),
    mediaType: MEDIA_TYPE.ociManifest,
    size: bytes.length,
  };
}

// Readers of a fetched manifest (ours or another tool's): only the fields Flux reads.
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
