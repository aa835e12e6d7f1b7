/**
 * What the verifier reads from a registry, as a narrow port, plus an adapter for the project's
 * `RegistryClient` (src/oci). Everything read is size-limited and digest-checked here, the way
 * go-containerregistry checks what cosign reads.
 */
import { NotFoundError } from '../../oci/errors.js';
import { digestOf } from '../../util/digest.js';

export interface OciDescriptor {
  mediaType: string;
  size: number;
  digest: string;
  annotations?: Record<string, string>;
  artifactType?: string;
}

export interface FetchedManifestBytes {
  bytes: Uint8Array;
  mediaType: string;
  digest: string;
}

/** The registry operations verification needs (one repository). */
export interface SignatureSource {
  /** A manifest by tag or digest, or `undefined` when the registry says it does not exist (404). */
  getManifest(tagOrDigest: string): Promise<FetchedManifestBytes | undefined>;
  /** A blob's bytes; the caller checks the digest. */
  fetchBlob(digest: string, maxBytes: number): Promise<Uint8Array>;
  /**
   * The referrers of `digest` as go-containerregistry's `remote.Referrers` lists them: the
   * referrers API when it answers 200 with an OCI index, else the `sha256-<hex>` tag index, else
   * none. Throws when the registry fails (Flux then uses the `.sig` path).
   */
  listReferrers(digest: string): Promise<OciDescriptor[]>;
}

/** Structural view of src/oci's `RegistryClient` (kept loose so either side can evolve). */
export interface RegistryClientLike {
  getManifest(
    tagOrDigest: string,
  ): Promise<{ bytes: Uint8Array; mediaType: string; digest: string }>;
  fetchBlob(digest: string): Promise<unknown>;
  listReferrers(digest: string, artifactType?: string): Promise<unknown>;
}

/** Largest signature blob we read (cosign's own limits are in the same range as manifests'). */
export const MAX_SIGNATURE_BLOB_BYTES = 4 * 1024 * 1024;

function statusOf(err: unknown): number | undefined {
  if (typeof err === 'object' && err !== null) {
    const e = err as { status?: unknown; statusCode?: unknown };
    if (typeof e.status === 'number') return e.status;
    if (typeof e.statusCode === 'number') return e.statusCode;
  }
  return undefined;
}

async function collect(body: unknown, maxBytes: number): Promise<Uint8Array> {
  if (body instanceof Uint8Array) {
    if (body.byteLength > maxBytes) throw new Error(`blob larger than ${maxBytes} bytes`);
    return body;
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  const push = (chunk: unknown) => {
    const bytes =
      typeof chunk === 'string'
        ? Buffer.from(chunk)
        : chunk instanceof Uint8Array
          ? chunk
          : undefined;
    if (!bytes) throw new Error('unexpected blob chunk type');
    total += bytes.byteLength;
    if (total > maxBytes) throw new Error(`blob larger than ${maxBytes} bytes`);
    chunks.push(bytes);
  };
  const b = body as {
    getReader?: () => ReadableStreamDefaultReader<Uint8Array>;
    [Symbol.asyncIterator]?: () => AsyncIterator<unknown>;
    destroy?: () => void;
    cancel?: () => Promise<void>;
  };
  if (b && typeof b[Symbol.asyncIterator] === 'function') {
    try {
      for await (const chunk of b as AsyncIterable<unknown>) push(chunk);
    } catch (err) {
      b.destroy?.();
      throw err;
    }
  } else if (b && typeof b.getReader === 'function') {
    const reader = b.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        push(value);
      }
    } finally {
      reader.releaseLock();
    }
  } else {
    throw new Error('fetchBlob returned neither bytes nor a stream');
  }
  return Buffer.concat(chunks, total);
}

function toDescriptors(value: unknown): OciDescriptor[] {
  if (Array.isArray(value)) return value as OciDescriptor[];
  const v = value as { manifests?: unknown; index?: { manifests?: unknown } } | undefined;
  if (v && Array.isArray(v.manifests)) return v.manifests as OciDescriptor[];
  if (v?.index && Array.isArray(v.index.manifests)) return v.index.manifests as OciDescriptor[];
  if (value === undefined || value === null) return [];
  throw new Error('listReferrers returned an unexpected shape');
}

/** Adapts src/oci's RegistryClient (or anything shaped like it) to a SignatureSource. */
export function signatureSourceFrom(client: RegistryClientLike): SignatureSource {
  return {
    async getManifest(ref) {
      try {
        return await client.getManifest(ref);
      } catch (err) {
        if (err instanceof NotFoundError || statusOf(err) === 404) return undefined;
        throw err;
      }
    },
    async fetchBlob(digest, maxBytes) {
      return collect(await client.fetchBlob(digest), maxBytes);
    },
    async listReferrers(digest) {
      return toDescriptors(await client.listReferrers(digest));
    },
  };
}

/** Fetches a blob and checks it against its descriptor, as go-containerregistry does. */
export async function fetchVerifiedBlob(
  source: SignatureSource,
  desc: OciDescriptor,
  maxBytes: number,
): Promise<Uint8Array> {
  if (!/^sha256:[0-9a-f]{64}$/.test(desc.digest))
    throw new Error(`unsupported blob digest ${desc.digest}`);
  if (desc.size > maxBytes) throw new Error(`blob ${desc.digest} is larger than ${maxBytes} bytes`);
  const bytes = await source.fetchBlob(desc.digest, maxBytes);
  if (digestOf(bytes) !== desc.digest)
    throw new Error(`blob ${desc.digest} does not match its digest`);
  if (bytes.byteLength !== desc.size)
    throw new Error(`blob ${desc.digest} does not match its size`);
  return bytes;
}
