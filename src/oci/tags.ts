// Tags: the paged list and deleting one tag.
import type { RepoContext } from './context.js';
import { unexpected } from './failures.js';
import { MAX_LIST_PAGE_BYTES, MAX_PAGES, nextLink } from './pagination.js';

/**
 * Deletes one tag and leaves the manifest (OCI 1.1 `DELETE /v2/<name>/manifests/<tag>`, which
 * registries MAY support). `unsupported` when the registry refuses (distribution 2.x answers
 * 400 DIGEST_INVALID, others 405 or UNSUPPORTED), `absent` when the tag does not exist.
 */
export async function deleteTag(
  ctx: RepoContext,
  tag: string,
): Promise<'deleted' | 'absent' | 'unsupported'> {
  const res = await ctx.transport.request({
    method: 'DELETE',
    url: ctx.path(`manifests/${tag}`),
    scopes: [`repository:${ctx.repository.path}:pull,push,delete`],
    signal: ctx.signal(),
  });
  if (res.status === 202 || res.status === 200 || res.status === 204) {
    await res.dump();
    return 'deleted';
  }
  const err = await unexpected(res, `DELETE tag ${tag}`);
  if (res.status === 404 && err.code !== 'UNSUPPORTED') return 'absent';
  if (res.status === 400 || res.status === 405 || err.code === 'UNSUPPORTED') return 'unsupported';
  throw err;
}

/** Every tag, following `Link` pagination (or `last` when the registry sends no Link). */
export async function listTags(ctx: RepoContext): Promise<string[]> {
  const n = ctx.options.tagPageSize ?? 1000;
  const signal = ctx.signal();
  const tags: string[] = [];
  const seen = new Set<string>();
  let url: string | undefined = ctx.path(`tags/list?n=${n}`);
  for (let page = 0; url && page < MAX_PAGES; page++) {
    const res = await ctx.transport.request({
      method: 'GET',
      url,
      scopes: ctx.pullScope,
      signal,
      operation: 'list tags',
      read: { maxBytes: MAX_LIST_PAGE_BYTES },
    });
    if (res.status === 404) {
      await res.dump();
      return tags; // no such repository yet: no tags
    }
    if (res.status !== 200) throw await unexpected(res, 'list tags');
    const body = ctx.json<{ tags?: unknown }>(await res.bytes(), 'list tags', res.status);
    const pageTags = Array.isArray(body.tags)
      ? body.tags.filter((t): t is string => typeof t === 'string')
      : [];
    const fresh = pageTags.filter((t) => !seen.has(t));
    for (const t of fresh) {
      seen.add(t);
      tags.push(t);
    }
    const next = nextLink(res.header('link'));
    const last = pageTags[pageTags.length - 1];
    if (fresh.length === 0) url = undefined;
    else if (next) url = new URL(next, res.url).toString();
    else if (pageTags.length === n && last !== undefined) {
      // Some registries (ggcr's) page with `n`/`last` but send no Link header.
      url = ctx.path(`tags/list?n=${n}&last=${encodeURIComponent(last)}`);
    } else url = undefined;
  }
  return tags;
}
