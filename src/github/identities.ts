import { UserError } from '../util/errors.js';

export interface IdentityEntry {
  issuer: string;
  subject: string;
}

function unquote(value: string, input: string): string {
  const v = value.trim();
  if (v.startsWith("'")) {
    if (!v.endsWith("'") || v.length < 2)
      throw new UserError(`input ${input}: unterminated quote in ${v}`, input);
    return v.slice(1, -1).replace(/''/g, "'");
  }
  if (v.startsWith('"')) {
    if (!v.endsWith('"') || v.length < 2)
      throw new UserError(`input ${input}: unterminated quote in ${v}`, input);
    return JSON.parse(v) as string;
  }
  return v;
}

/**
 * Parses `matchOIDCIdentity` entries written as in an OCIRepository, so users can paste them:
 *
 *   - issuer: ^https://token\.actions\.githubusercontent\.com$
 *     subject: ^https://github\.com/org/app/\.github/workflows/publish\.yaml@refs/heads/main$
 */
export function parseIdentities(text: string, input = 'match-oidc-identity'): IdentityEntry[] {
  const entries: Partial<IdentityEntry>[] = [];
  for (const raw of text.split(/\r?\n/)) {
    let line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('- ') || line === '-') {
      entries.push({});
      line = line.slice(1).trim();
      if (line === '') continue;
    }
    const m = /^(issuer|subject)\s*:\s*(.*)$/.exec(line);
    const current = entries.at(-1);
    if (!m || !current) {
      throw new UserError(
        `input ${input}: cannot read "${line}"; write entries as in an OCIRepository: "- issuer: <regexp>" then "  subject: <regexp>"`,
        input,
      );
    }
    current[m[1] as keyof IdentityEntry] = unquote(m[2] ?? '', input);
  }
  return entries.map((e, i) => {
    if (!e.issuer || !e.subject) {
      throw new UserError(`input ${input}: entry ${i + 1} needs both issuer and subject`, input);
    }
    return { issuer: e.issuer, subject: e.subject };
  });
}
