/**
 * JSON exactly as Go's encoding/json (v1, HTML-escaping) writes it, for bytes that must match
 * what Flux and cosign write: compact; in strings `<`, `>`, `&`, U+2028 and U+2029 as `\u003c`
 * etc., `"` `\` and \b \f \n \r \t with a backslash, other control characters as \u00XX, every
 * other rune as is (DEL and `/` too). JSON.stringify escapes the same except the five
 * HTML-unsafe ones, which can only appear inside strings, so they are escaped afterwards. Go
 * writes invalid UTF-8 as U+FFFD; a lone surrogate (what a JS string has instead) becomes U+FFFD
 * too, as Buffer.from would make it. Object keys keep the JS insertion order (Go struct field
 * order); maps go through `sortedMap`. Re-implemented from go/src/encoding/json/encode.go
 * (BSD-3-Clause, The Go Authors).
 */
export function goJSON(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'string' ? v.replace(LONE_SURROGATE, '\ufffd') : v,
  ).replace(HTML_UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const HTML_UNSAFE = /[<>&\u2028\u2029]/g;

/** A copy of a string map with keys in Go's map order (sorted by their UTF-8 bytes). */
export function sortedMap(map: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(map).sort(compareBytes)) out[key] = map[key] as string;
  return out;
}

function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
