/**
 * JSON as Go's encoding/json writes it: compact, `<`, `>`, `&`, U+2028 and U+2029 escaped as
 * `\u003c` etc., map keys sorted (callers pass maps through `sortedMap`). Object key order is the
 * insertion order of the JS object (mirroring Go struct field order).
 */
export function goJSON(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** A copy of a string map with keys in Go's (byte-wise) sorted order. */
export function sortedMap(map: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(map).sort(compareBytes)) out[key] = map[key] as string;
  return out;
}

function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
