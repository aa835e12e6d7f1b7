// Image references, parsed the way Docker and go-containerregistry's `name` package do. A value
// that does not parse throws `OciError` REFERENCE_INVALID carrying the caller's name for it
// (`field`: src/github passes the action input), which src/github words.
import { OciError, type OciFailure, type ReferenceKind } from './errors.js';

/** A repository in a registry: `name` is `registry/path`, e.g. `ghcr.io/org/app`. */
export interface Repository {
  /** Host with optional port, e.g. `ghcr.io`, `localhost:5000`, `index.docker.io`. */
  registry: string;
  /** Repository path inside the registry, e.g. `org/app` or `library/nginx`. */
  path: string;
  /** `registry/path`. */
  name: string;
}

interface Reference {
  repository: Repository;
  tag?: string;
  digest?: string;
}

interface ParsedDigest {
  algorithm: 'sha256' | 'sha512';
  hex: string;
  /** `algorithm:hex`. */
  value: string;
}

interface ParseOptions {
  /** The caller's name for the value (src/github: the action input), carried by the error. */
  input?: string;
}

type ReferenceProblem = Extract<OciFailure, { code: 'REFERENCE_INVALID' }>['problem'];

/** Where a value is parsed: what it is and the caller's name for it. */
interface Subject {
  kind: ReferenceKind;
  value: string;
  field: string | undefined;
}

function invalid(at: Subject, problem: ReferenceProblem, part?: string): OciError {
  return new OciError({
    code: 'REFERENCE_INVALID',
    kind: at.kind,
    value: at.value,
    ...(at.field === undefined ? {} : { field: at.field }),
    problem,
    ...(part === undefined ? {} : { part }),
  });
}

export const DOCKER_HUB = 'index.docker.io';
const DOCKER_HUB_ALIASES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

// Grammar from distribution's reference package (regexp.go).
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN_COMPONENT = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])$/;
const IPV6 = /^\[[a-fA-F0-9:.]+(?:%[a-zA-Z0-9]+)?\]$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGESTS: Record<string, RegExp> = {
  sha256: /^[a-f0-9]{64}$/,
  sha512: /^[a-f0-9]{128}$/,
};
const MAX_NAME_LENGTH = 255;

/** Parses `[oci://]registry/path` (no tag, no digest). */
export function parseRepository(input: string, options: ParseOptions = {}): Repository {
  const at: Subject = { kind: 'repository', value: input, field: options.input };
  const value = stripScheme(input, at);
  if (value.includes('@')) throw invalid(at, 'has-digest');
  const lastSlash = value.lastIndexOf('/');
  if (value.indexOf(':', lastSlash + 1) !== -1) throw invalid(at, 'has-tag');
  return splitRepository(value, at);
}

/** Parses `[oci://]repo[:tag][@digest]`. */
export function parseReference(input: string, options: ParseOptions = {}): Reference {
  const subject: Subject = { kind: 'reference', value: input, field: options.input };
  let rest = stripScheme(input, subject);
  let digest: string | undefined;
  let tag: string | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = checkDigest(rest.slice(at + 1), subject);
    rest = rest.slice(0, at);
  }
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.indexOf(':', lastSlash + 1);
  if (colon !== -1) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw invalid(subject, 'tag', tag);
  }
  const repository = splitRepository(rest, subject);
  const ref: Reference = { repository };
  if (tag !== undefined) ref.tag = tag;
  if (digest !== undefined) ref.digest = digest;
  return ref;
}

/** Validates a tag. */
export function parseTag(tag: string, options: ParseOptions = {}): string {
  if (!TAG.test(tag)) throw invalid({ kind: 'tag', value: tag, field: options.input }, 'tag', tag);
  return tag;
}

/** Validates `sha256:<64 hex>` or `sha512:<128 hex>`. */
export function parseDigest(input: string, options: ParseOptions = {}): ParsedDigest {
  const value = checkDigest(input.trim(), { kind: 'digest', value: input, field: options.input });
  const [algorithm, hex] = value.split(':') as ['sha256' | 'sha512', string];
  return { algorithm, hex, value };
}

/** `sha256:<hex>` → `sha256-<hex>` (the OCI referrers tag schema; cosign v2 adds `.sig`). */
export function referrersTagFor(digest: string): string {
  const { algorithm, hex } = parseDigest(digest);
  return `${algorithm}-${hex}`;
}

export function isDigest(value: string): boolean {
  const i = value.indexOf(':');
  const re = DIGESTS[value.slice(0, i)];
  return i > 0 && re !== undefined && re.test(value.slice(i + 1));
}

/** `repo:tag`, `repo@digest` or `repo:tag@digest`. */
export function formatReference(ref: Reference): string {
  let s = ref.repository.name;
  if (ref.tag) s += `:${ref.tag}`;
  if (ref.digest) s += `@${ref.digest}`;
  return s;
}

/** True for registries on this machine, which may be spoken to over plain HTTP. */
export function isLoopback(registry: string): boolean {
  const host = hostOf(registry).toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (host === '::1' || host === '0:0:0:0:0:0:0:1') return true;
  const m = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  return m?.slice(1).every((o) => Number(o) <= 255) ?? false;
}

/** Host without port (and without IPv6 brackets). */
function hostOf(registry: string): string {
  if (registry.startsWith('[')) {
    const end = registry.indexOf(']');
    return end === -1 ? registry : registry.slice(1, end);
  }
  const colon = registry.lastIndexOf(':');
  // A bare IPv6 address has several colons and no port.
  if (colon === -1 || registry.indexOf(':') !== colon) return registry;
  return registry.slice(0, colon);
}

function stripScheme(input: string, at: Subject): string {
  const value = input.trim();
  if (value === '') throw invalid(at, 'empty');
  if (value.startsWith('oci://')) return value.slice('oci://'.length);
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(value);
  if (scheme) throw invalid(at, 'scheme', scheme[1]);
  return value;
}

function splitRepository(value: string, at: Subject): Repository {
  if (value === '') throw invalid(at, 'empty');
  const parts = value.split('/');
  let registry: string = DOCKER_HUB;
  const first = parts[0] ?? '';
  // Like Docker: the first component is a registry if it looks like a host.
  if (parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    registry = checkRegistry(first, at);
    parts.shift();
  }
  if (DOCKER_HUB_ALIASES.has(registry)) {
    registry = DOCKER_HUB;
    if (parts.length === 1) parts.unshift('library');
  }
  if (parts.some((p) => p === '')) throw invalid(at, 'empty-component');
  const path = parts.join('/');
  if (/[A-Z]/.test(path)) throw invalid(at, 'uppercase');
  for (const p of parts) if (!PATH_COMPONENT.test(p)) throw invalid(at, 'path-component', p);
  const name = `${registry}/${path}`;
  if (name.length > MAX_NAME_LENGTH) throw invalid(at, 'too-long', String(MAX_NAME_LENGTH));
  return { registry, path, name };
}

function checkRegistry(value: string, at: Subject): string {
  let host = value;
  let port: string | undefined;
  if (value.startsWith('[')) {
    const end = value.indexOf(']');
    host = value.slice(0, end + 1);
    const rest = value.slice(end + 1);
    if (rest !== '') {
      if (!rest.startsWith(':'))
        host = value; // falls through to the IPv6 check and fails
      else port = rest.slice(1);
    }
  } else {
    const colon = value.indexOf(':');
    if (colon !== -1) {
      host = value.slice(0, colon);
      port = value.slice(colon + 1);
    }
  }
  const hostOk = IPV6.test(host) || host.split('.').every((c) => DOMAIN_COMPONENT.test(c));
  const portOk = port === undefined || (/^\d{1,5}$/.test(port) && Number(port) <= 65535);
  if (!hostOk || !portOk) throw invalid(at, 'registry', value);
  return value.toLowerCase();
}

function checkDigest(value: string, at: Subject): string {
  if (!isDigest(value)) throw invalid(at, 'digest');
  return value;
}
