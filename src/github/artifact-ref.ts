import type { RegistryClient } from '../oci/client.js';
import { formatReference, isDigest, parseTag, type Repository } from '../oci/reference.js';
import { UserError } from '../util/errors.js';
import { contextFromEnv, expandTag, provenance, tagVariables } from './context.js';
import type { Inputs } from './inputs.js';
import { type Connection, connect } from './registry.js';

/** The inputs every entry point on one stored artifact starts with (diff, pull, sign, verify). */
export interface ArtifactInputs {
  summary: boolean;
  connection: Connection;
  /** A tag or a digest (see readRef). */
  ref: string;
}

/** Reads `summary` first (a bad value fails before any work), then the registry and `ref`. */
export function readArtifactInputs(inputs: Inputs): ArtifactInputs {
  const summary = inputs.boolean('summary', true);
  const connection = connect(inputs);
  return { summary, connection, ref: readRef(inputs) };
}

/**
 * Reads the `ref` input: a tag (default `latest`) or a `sha256:` digest. Tags may use the same
 * placeholders as `tags` (e.g. `main-{{short-sha}}`, what publish tagged this commit with).
 */
export function readRef(inputs: Inputs, name = 'ref'): string {
  const given = inputs.string(name) ?? 'latest';
  const ref = given.includes('{{')
    ? expandTag(given, tagVariables(provenance(contextFromEnv())), name)
    : given;
  if (ref.includes(':') && !ref.startsWith('sha256:') && !ref.startsWith('sha512:')) {
    throw new UserError(
      `input ${name} "${ref}" must be a tag (e.g. v1.2.3) or a digest (sha256:…), not a full reference; put the repository in the repository input`,
      name,
    );
  }
  if (ref.includes(':')) {
    if (!isDigest(ref)) {
      throw new UserError(
        `input ${name} "${ref}" is not a valid digest; expected sha256: and 64 hex digits`,
        name,
      );
    }
    return ref;
  }
  return parseTag(ref, { input: name });
}

/** `repo:tag` or `repo@sha256:…` for messages. */
export function refLabel(repository: Repository, ref: string): string {
  return formatReference(isDigest(ref) ? { repository, digest: ref } : { repository, tag: ref });
}

/** The digest `ref` points at now; a missing artifact is an error naming the `ref` input. */
export async function resolveDigest(client: RegistryClient, ref: string): Promise<string> {
  const found = await client.headManifest(ref);
  if (!found) {
    throw new UserError(
      `artifact ${refLabel(client.repository, ref)} not found; check repository and ref`,
      'ref',
    );
  }
  return found.digest;
}
