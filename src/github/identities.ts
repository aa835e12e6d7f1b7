import { UserError } from '../util/errors.js';

export interface IdentityEntry {
  issuer: string;
  subject: string;
}

/** Escapes a literal for a Go RE2 regular expression (what Flux's matchOIDCIdentity takes). */
function re2Literal(text: string): string {
  return text.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}

/** The matchOIDCIdentity entry that matches exactly this certificate identity, and no other. */
export function exactIdentity(issuer: string, subject: string): IdentityEntry {
  return { issuer: `^${re2Literal(issuer)}$`, subject: `^${re2Literal(subject)}$` };
}

const SHAPE =
  'write a list as in an OCIRepository\'s verify.matchOIDCIdentity: "- issuer: <regexp>" then "  subject: <regexp>"';

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function reindentFirstLine(text: string): string | undefined {
  const lines = text.split(/\r?\n/);
  const first = lines.findIndex((l) => l.trim() !== '' && !l.trim().startsWith('#'));
  if (first < 0) return undefined;
  const line = lines[first] as string;
  const indentOf = (l: string) => l.length - l.trimStart().length;
  const rest = lines.slice(first + 1).filter((l) => l.trim() !== '');
  if (rest.length === 0 || indentOf(line) > 0) return undefined;
  if (!line.startsWith('- ')) return undefined;
  // Another entry's dash shows the column; else the dash sits two left of the keys below it.
  const dash = rest.find((l) => l.trimStart().startsWith('- '));
  const pad = dash !== undefined ? indentOf(dash) : indentOf(rest[0] as string) - 2;
  if (pad <= 0) return undefined;
  lines[first] = ' '.repeat(pad) + line;
  return lines.join('\n');
}

/**
 * Parses `matchOIDCIdentity` entries as YAML (the `yaml` package, loaded on first use), so what
 * users paste from an OCIRepository works: comments, quoted values, flow style
 * `- {issuer: …, subject: …}`, and the `matchOIDCIdentity:` key (or a whole `verify:` block) itself:
 *
 *   - issuer: ^https://token\.actions\.githubusercontent\.com$
 *     subject: ^https://github\.com/org/app/\.github/workflows/publish\.yaml@refs/heads/main$
 */
export async function parseIdentities(
  text: string,
  input = 'match-oidc-identity',
): Promise<IdentityEntry[]> {
  const { parseDocument } = await import('../util/yaml.js');
  let doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) {
    // A selection copied out of an indented block (the job summary, an OCIRepository) keeps the
    // indentation of every line but the first: give the first line back its indentation.
    const reindented = reindentFirstLine(text);
    if (reindented !== undefined) {
      const retry = parseDocument(reindented, { uniqueKeys: true, prettyErrors: true });
      if (retry.errors.length === 0) doc = retry;
    }
  }
  const problem = doc.errors[0];
  if (problem) {
    // prettyErrors: the first line says "... at line L, column C:"; the rest is a code frame.
    const why = (problem.message.split('\n')[0] ?? '').replace(/:$/, '');
    throw new UserError(`input ${input}: not YAML: ${why}; ${SHAPE}`, input);
  }
  let value: unknown = doc.toJS();
  if (isRecord(value) && 'verify' in value && Object.keys(value).length === 1) value = value.verify;
  if (isRecord(value) && 'matchOIDCIdentity' in value) value = value.matchOIDCIdentity;
  // An empty list would accept any identity: refuse it rather than verify nothing.
  if (value === null || value === undefined || (Array.isArray(value) && value.length === 0))
    throw new UserError(`input ${input}: no entries; ${SHAPE}`, input);
  if (!Array.isArray(value)) throw new UserError(`input ${input}: not a list; ${SHAPE}`, input);
  return value.map((entry: unknown, i) => {
    const at = `input ${input}: entry ${i + 1}`;
    if (!isRecord(entry)) throw new UserError(`${at} is not a mapping; ${SHAPE}`, input);
    const unknown = Object.keys(entry).filter((k) => k !== 'issuer' && k !== 'subject');
    if (unknown.length > 0) {
      throw new UserError(
        `${at} has ${unknown.map((k) => JSON.stringify(k)).join(', ')}; an entry has only issuer and subject`,
        input,
      );
    }
    const { issuer, subject } = entry;
    if (typeof issuer !== 'string' || typeof subject !== 'string' || !issuer || !subject) {
      throw new UserError(
        `${at} needs both issuer and subject, each a regexp string (quote it if YAML reads it as something else)`,
        input,
      );
    }
    return { issuer, subject };
  });
}
