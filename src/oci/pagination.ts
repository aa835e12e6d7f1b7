// Paged lists (tags, referrers): `Link: <…>; rel="next"` and the caps on how much we read.

/** Tag list and referrers pages: 1000 entries fit in far less. */
export const MAX_LIST_PAGE_BYTES = 4 * 1024 * 1024;
export const MAX_PAGES = 1000;

/** The `rel="next"` target of a Link header. */
export function nextLink(link: string | undefined): string | undefined {
  if (!link) return undefined;
  for (const part of link.split(/,(?=\s*<)/)) {
    const m = /^\s*<([^>]*)>\s*(.*)$/.exec(part);
    if (m && /(?:^|;)\s*rel="?next"?\s*(?:;|$)/i.test(m[2] ?? '')) return m[1];
  }
  return undefined;
}
