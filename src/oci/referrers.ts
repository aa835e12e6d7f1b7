// Referrers of a manifest (OCI distribution 1.1): the referrers API where the registry has
// one, else the `sha256-<hex>` referrers tag, which this client also keeps up to date.

import { digestOf } from '../util/digest.js';
import type { RepoContext } from './context.js';
import { NotFoundError, RegistryError } from './errors.js';
import { unexpected } from './failures.js';
import {
  getManifest,
  headManifest,
  putManifestOnce,
  putManifestResponse,
  readForUpdate,
} from './manifests.js';
import { MAX_LIST_PAGE_BYTES, MAX_PAGES, nextLink } from './pagination.js';
import { parseDigest, referrersTagFor } from './reference.js';
import { addToSharedTag } from './shared-tag.js';
import type { Readiness } from './shared-tag-types.js';
import { type Descriptor, type Index, MAX_MANIFEST_BYTES, MEDIA_TYPE } from './types.js';

export class Referrers {
  private readonly referrerLocks = new Map<string, Promise<unknown>>();
  /** Whether the registry answers the referrers API (undefined: not asked yet). */
  private referrersApi: Promise<boolean> | undefined;

  constructor(private readonly ctx: RepoContext) {}

  /**
   * Manifests whose `subject` is `digest`: from the referrers API, or, on registries without it,
   * from the `sha256-<hex>` referrers tag. Filtered by `artifactType` when given.
   */
  async list(digest: string, artifactType?: string): Promise<Descriptor[]> {
    const fromApi = await this.fromApi(digest, artifactType);
    const list = fromApi ?? (await this.readTag(digest)).index.manifests;
    const resolved = await this.resolveArtifactTypes(list);
    return artifactType ? resolved.filter((d) => d.artifactType === artifactType) : resolved;
  }

  /** Whether the registry answers the referrers API; asked once per client (memoised). */
  apiSupported(digest: string): Promise<boolean> {
    this.referrersApi ??= this.fromApi(digest).then((list) => list !== undefined);
    this.referrersApi.catch(() => {
      this.referrersApi = undefined; // a failed probe is asked again next time
    });
    return this.referrersApi;
  }

  /** `undefined` when the registry has no referrers API. */
  private async fromApi(digest: string, artifactType?: string): Promise<Descriptor[] | undefined> {
    parseDigest(digest);
    const signal = this.ctx.signal();
    const query = artifactType ? `?artifactType=${encodeURIComponent(artifactType)}` : '';
    let url: string | undefined = this.ctx.path(`referrers/${digest}${query}`);
    const out: Descriptor[] = [];
    for (let page = 0; url && page < MAX_PAGES; page++) {
      const res = await this.ctx.transport.request({
        method: 'GET',
        url,
        headers: { accept: MEDIA_TYPE.ociIndex },
        scopes: this.ctx.pullScope,
        signal,
        operation: `GET referrers of ${digest}`,
        read: { maxBytes: MAX_LIST_PAGE_BYTES },
      });
      const type = res.header('content-type')?.split(';')[0]?.trim();
      if (res.status !== 200 || (type !== MEDIA_TYPE.ociIndex && type !== 'application/json')) {
        await res.dump();
        if (
          page === 0 &&
          (res.status === 404 || res.status === 400 || res.status === 405 || res.status === 200)
        ) {
          return undefined;
        }
        throw new RegistryError(
          `GET referrers of ${digest}: registry answered ${res.status}`,
          res.status,
          undefined,
          { registry: this.ctx.repository.registry, operation: `GET referrers of ${digest}` },
        );
      }
      const index = this.ctx.json<Partial<Index>>(
        await res.bytes(),
        `GET referrers of ${digest}`,
        200,
      );
      out.push(...(Array.isArray(index.manifests) ? index.manifests : []));
      const next = nextLink(res.header('link'));
      url = next ? new URL(next, res.url).toString() : undefined;
    }
    return out;
  }

  /**
   * Some registries (ggcr's) report the config media type as artifactType; an OCI 1.1 artifact
   * with an empty config carries its real type in the manifest, so read it from there.
   */
  private async resolveArtifactTypes(list: Descriptor[]): Promise<Descriptor[]> {
    const out: Descriptor[] = [];
    for (const d of list) {
      if (d.artifactType && d.artifactType !== MEDIA_TYPE.ociEmpty) {
        out.push(d);
        continue;
      }
      try {
        const m = JSON.parse((await getManifest(this.ctx, d.digest)).bytes.toString()) as {
          artifactType?: string;
          config?: Descriptor;
        };
        const type = m.artifactType ?? m.config?.mediaType;
        out.push(type ? { ...d, artifactType: type } : d);
      } catch (err) {
        if (!(err instanceof NotFoundError)) throw err;
        // listed but gone (deleted): skip it
      }
    }
    return out;
  }

  private async readTag(digest: string): Promise<{ index: Index; etag?: string }> {
    const tag = referrersTagFor(digest);
    const res = await this.ctx.transport.request({
      method: 'GET',
      url: this.ctx.path(`manifests/${tag}`),
      headers: { accept: MEDIA_TYPE.ociIndex },
      scopes: this.ctx.pullScope,
      signal: this.ctx.signal(),
      operation: `GET referrers tag ${tag}`,
      read: { maxBytes: MAX_MANIFEST_BYTES },
    });
    if (res.status === 404) {
      await res.dump();
      return { index: emptyIndex() };
    }
    if (res.status !== 200) throw await unexpected(res, `GET referrers tag ${tag}`);
    const etag = res.header('etag');
    const parsed = this.ctx.json<Partial<Index>>(
      await res.bytes(),
      `GET referrers tag ${tag}`,
      200,
    );
    const manifests = Array.isArray(parsed.manifests) ? parsed.manifests : [];
    const index: Index = { ...emptyIndex(), ...parsed, manifests };
    return etag ? { index, etag } : { index };
  }

  /**
   * Adds `add` to the `sha256-<hex>` referrers tag of `subjectDigest` without losing entries
   * written concurrently (src/oci/shared-tag.ts). Writers in one process are serialised.
   */
  async updateTag(subjectDigest: string, add: Descriptor, ready?: Readiness): Promise<void> {
    const key = subjectDigest;
    const previous = this.referrerLocks.get(key) ?? Promise.resolve();
    const run = previous
      .catch(() => {})
      .then(() => this.updateTagUnlocked(subjectDigest, add, ready));
    this.referrerLocks.set(key, run);
    try {
      await run;
    } finally {
      if (this.referrerLocks.get(key) === run) this.referrerLocks.delete(key);
    }
  }

  private async updateTagUnlocked(
    subjectDigest: string,
    add: Descriptor,
    /** Writes wait for this; the first read waits only for its `sending` (SharedTagOptions.ready). */
    ready: Readiness | undefined,
  ): Promise<void> {
    const tag = referrersTagFor(subjectDigest);
    let base: Index = emptyIndex();
    await addToSharedTag<Descriptor>({
      store: {
        read: async () => {
          const fetched = await readForUpdate(this.ctx, tag, MEDIA_TYPE.ociIndex);
          if (!fetched) return { entries: [] };
          const parsed = JSON.parse(fetched.bytes.toString()) as Partial<Index>;
          base = { ...emptyIndex(), ...parsed, manifests: [] };
          return {
            entries: parsed.manifests ?? [],
            digest: fetched.digest,
            ...(fetched.etag ? { etag: fetched.etag } : {}),
          };
        },
        head: async () => (await headManifest(this.ctx, tag))?.digest,
        write: (entries, condition, sendIf) =>
          putManifestOnce(
            this.ctx,
            tag,
            Buffer.from(JSON.stringify({ ...base, manifests: entries })),
            MEDIA_TYPE.ociIndex,
            condition,
            sendIf,
          ),
      },
      key: (d) => d.digest,
      ours: add,
      label: `${this.ctx.repository.name}:${tag}`,
      registry: this.ctx.repository.registry,
      ...(this.ctx.options.referrersTagAttempts
        ? { attempts: this.ctx.options.referrersTagAttempts }
        : {}),
      ...(ready ? { ready } : {}),
      ...this.ctx.sharedTagLimits(),
    });
  }

  /**
   * PUTs a manifest that has a `subject` (by digest) and, unless the registry indexes
   * referrers itself, adds it to the subject's referrers tag. Returns its digest.
   */
  async put(
    bytes: Buffer | Uint8Array,
    mediaType: string = MEDIA_TYPE.ociManifest,
    /** The subject's manifest is stored once this resolves: nothing visible is written before. */
    stored?: Promise<unknown>,
  ): Promise<string> {
    const body = Buffer.from(bytes);
    const manifest = JSON.parse(body.toString()) as {
      subject?: Descriptor;
      artifactType?: string;
      config?: Descriptor;
      annotations?: Record<string, string>;
    };
    if (!manifest.subject) throw new Error('putReferrer: manifest has no subject');
    const digest = digestOf(body);
    const subject = manifest.subject.digest;
    // With the referrers API, the PUT itself is what verifiers see: only once the subject is stored.
    if (await this.apiSupported(subject)) {
      await stored;
      await putManifestResponse(this.ctx, digest, body, mediaType);
      return digest;
    }
    // Without it, a manifest by digest is listed nowhere until the referrers tag names it: it is
    // put while the subject is, and the tag's first read goes out meanwhile (its PUT waits for
    // both: the index must not name a manifest the registry lacks).
    const putNow = () => putManifestResponse(this.ctx, digest, body, mediaType);
    // The OCI spec asks registries to accept a subject they do not have yet; one that refuses it
    // (a 4xx other than auth and rate limits) gets the same PUT again once the subject is stored.
    const put = putNow().catch(async (err: unknown) => {
      if (!(err instanceof RegistryError) || !refusesEarlySubject(err.status) || !stored) throw err;
      await stored;
      return putNow();
    });
    // A registry that answers OCI-Subject indexes referrers itself (though we found no referrers
    // API): there is no tag to update, and the tag's update stops before writing.
    const indexed = new Error('the registry indexes this referrer itself');
    const listed = put.then((r) => {
      if (r.subject) throw indexed;
    });
    listed.catch(() => {});
    const ready: Readiness = Promise.all([listed, stored]);
    ready.catch(() => {});
    // The tag's first read goes out with the subject's manifest PUT, when that is said.
    const sending = (stored as Readiness | undefined)?.sending;
    if (sending) ready.sending = sending;
    const descriptor: Descriptor = { mediaType, size: body.length, digest };
    const artifactType = manifest.artifactType ?? manifest.config?.mediaType;
    if (artifactType) descriptor.artifactType = artifactType;
    if (manifest.annotations) descriptor.annotations = manifest.annotations;
    try {
      await this.updateTag(subject, descriptor, ready);
    } catch (err) {
      // The registry indexed it (OCI-Subject): whatever the tag's read met is beside the point.
      if (
        err !== indexed &&
        (await listed.then(
          () => undefined,
          (e: unknown) => e,
        )) !== indexed
      )
        throw err;
    } finally {
      // Nothing of this PUT may outlive the step (`ready` settles at a failed `stored` first).
      await put.catch(() => {});
    }
    return digest;
  }
}

function refusesEarlySubject(status: number): boolean {
  return status >= 400 && status < 500 && ![401, 403, 408, 429].includes(status);
}

function emptyIndex(): Index {
  return { schemaVersion: 2, mediaType: MEDIA_TYPE.ociIndex, manifests: [] };
}
