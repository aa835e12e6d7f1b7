// WWW-Authenticate parsing (RFC 9110 §11.6.1): one header may carry several challenges, each a
// scheme followed by comma-separated `name=value` params whose values may be quoted strings
// containing commas, spaces and backslash escapes.

export interface Challenge {
  /** Lower-cased scheme, e.g. `bearer`, `basic`. */
  scheme: string;
  /** Params with lower-cased names, e.g. `realm`, `service`, `scope`, `error`. */
  params: Record<string, string>;
}

const TOKEN_CHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;

export function parseWwwAuthenticate(header: string | string[] | undefined): Challenge[] {
  if (header === undefined) return [];
  if (Array.isArray(header)) return header.flatMap((h) => parseWwwAuthenticate(h));
  const out: Challenge[] = [];
  let i = 0;
  const n = header.length;
  const skip = (chars: RegExp) => {
    while (i < n && chars.test(header[i] ?? '')) i++;
  };
  const token = () => {
    const start = i;
    while (i < n && TOKEN_CHAR.test(header[i] ?? '')) i++;
    return header.slice(start, i);
  };
  const value = () => {
    if (header[i] !== '"') {
      // token, or token68-ish values some registries send unquoted (e.g. base64 with '/' and '=')
      const start = i;
      while (i < n && header[i] !== ',' && header[i] !== ' ' && header[i] !== '\t') i++;
      return header.slice(start, i);
    }
    i++;
    let v = '';
    while (i < n && header[i] !== '"') {
      if (header[i] === '\\' && i + 1 < n) i++;
      v += header[i];
      i++;
    }
    i++; // closing quote (or end)
    return v;
  };

  let current: Challenge | undefined;
  while (i < n) {
    skip(/[\s,]/);
    if (i >= n) break;
    const start = i;
    const name = token();
    if (name === '') {
      i++; // stray character: skip it rather than loop forever
      continue;
    }
    skip(/[ \t]/);
    if (header[i] === '=' && current) {
      i++;
      skip(/[ \t]/);
      current.params[name.toLowerCase()] = value();
      continue;
    }
    if (header[i] === '=' && !current) {
      // a param before any scheme: malformed, skip it
      i++;
      value();
      continue;
    }
    // A token not followed by '=' starts a new challenge.
    i = start + name.length;
    current = { scheme: name.toLowerCase(), params: {} };
    out.push(current);
  }
  return out;
}
