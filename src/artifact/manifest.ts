// The Flux artifact's config blob, annotations and OCI manifest, byte for byte as
// `flux push artifact` writes them: v2.9.x (fluxcd/pkg/oci v0.68 + go-containerregistry v0.21.6)
// and 2.10 (pkg/oci v0.73 + ggcr v0.22.1, whose config carries `created`).
import { createHash } from 'node:crypto';
import { UserError } from '../util/errors.js';
import { type FluxFormat, fluxFormat } from './flux-version.js';
import { decodeRune } from './match.js';

export const MANIFEST_MEDIA_TYPE = 'application/vnd.oci.image.manifest.v1+json';
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

export function sha256Digest(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
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
    descriptor: { mediaType: CONFIG_MEDIA_TYPE, size: bytes.length, digest: sha256Digest(bytes) },
  };
}

const HEX = '0123456789abcdef';

/**
 * A JSON string exactly as Go's encoding/json (v1, HTML-escaping) writes it: `<`, `>`, `&`,
 * U+2028 and U+2029 as \u escapes, control characters as \b \f \n \r \t or \u00XX. (Go writes
 * invalid UTF-8 as \ufffd; a JS string has none, and a lone surrogate becomes a literal U+FFFD
 * when encoded.) Re-implemented from go/src/encoding/json/encode.go
 * (BSD-3-Clause, The Go Authors).
 */
export function goJSONString(s: string): string {
  const b = Buffer.from(s, 'utf8');
  let out = '"';
  let start = 0;
  const flush = (i: number) => {
    if (i > start) out += b.toString('utf8', start, i);
  };
  for (let i = 0; i < b.length; ) {
    const c = b[i]!;
    if (c < 0x80) {
      const safe = c >= 0x20 && c !== 0x22 && c !== 0x5c && c !== 0x3c && c !== 0x3e && c !== 0x26;
      if (safe) {
        i++;
        continue;
      }
      flush(i);
      if (c === 0x22 || c === 0x5c) out += `\\${String.fromCharCode(c)}`;
      else if (c === 0x08) out += '\\b';
      else if (c === 0x0c) out += '\\f';
      else if (c === 0x0a) out += '\\n';
      else if (c === 0x0d) out += '\\r';
      else if (c === 0x09) out += '\\t';
      else out += `\\u00${HEX[c >> 4]}${HEX[c & 0xf]}`;
      i++;
      start = i;
      continue;
    }
    const [r, w] = decodeRune(b, i);
    if (r === 0x2028 || r === 0x2029 || (r === 0xfffd && w === 1)) {
      flush(i);
      out += r === 0xfffd ? '\\ufffd' : `\\u202${HEX[r & 0xf]}`;
      i += w;
      start = i;
      continue;
    }
    i += w;
  }
  flush(b.length);
  return `${out}"`;
}

/** Go's map marshalling: keys sorted by their UTF-8 bytes. */
function goJSONStringMap(m: Readonly<Record<string, string>>): string {
  const keys = Object.keys(m).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  return `{${keys.map((k) => `${goJSONString(k)}:${goJSONString(m[k]!)}`).join(',')}}`;
}

function descriptorJSON(d: Descriptor): string {
  return `{"mediaType":${goJSONString(d.mediaType)},"size":${d.size},"digest":${goJSONString(d.digest)}}`;
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
    throw new UserError(
      `input '${fromExtra ? 'annotations' : 'created'}' has ${CREATED_ANNOTATION}=${out[CREATED_ANNOTATION]}, which Flux rejects; use an RFC 3339 time such as 2024-01-02T03:04:05Z`,
      fromExtra ? 'annotations' : 'created',
    );
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
  let json = `{"schemaVersion":2,"mediaType":${goJSONString(MANIFEST_MEDIA_TYPE)},"config":${descriptorJSON(config)},"layers":[${descriptorJSON(layer)}]`;
  if (Object.keys(input.annotations).length > 0) {
    json += `,"annotations":${goJSONStringMap(input.annotations)}`;
  }
  json += '}';
  const bytes = Buffer.from(json, 'utf8');
  return { bytes, digest: sha256Digest(bytes), mediaType: MANIFEST_MEDIA_TYPE, size: bytes.length };
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
