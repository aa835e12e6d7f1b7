// The GitHub side of list@v1: its inputs read once into ListInputs; outputs, log and summary.
import * as core from '@actions/core';
import type { ListedArtifact } from '../pipeline/list.js';
import type { Inputs } from './inputs.js';
import { type Connection, connect } from './registry.js';
import { code, table, writeSummary } from './summary.js';

export interface ListInputs {
  summary: boolean;
  connection: Connection;
  filter: { semver: string | undefined; regex: string | undefined };
}

export function readListInputs(inputs: Inputs): ListInputs {
  const summary = inputs.boolean('summary', true); // read first: a bad value fails before any work
  const connection = connect(inputs);
  return {
    summary,
    connection,
    filter: { semver: inputs.string('filter-semver'), regex: inputs.string('filter-regex') },
  };
}

export async function reportListed(input: ListInputs, artifacts: ListedArtifact[]): Promise<void> {
  const { repository } = input.connection;
  const listed = artifacts.map((a) => ({ ...a, url: `oci://${repository.name}:${a.tag}` }));
  core.setOutput('tags', listed.map((a) => a.tag).join('\n'));
  // `json` is an object in every entry point: the list is under `artifacts`.
  core.setOutput('json', JSON.stringify({ artifacts: listed }));
  for (const a of listed)
    core.info(`${repository.name}:${a.tag}\t${a.digest}\t${a.source ?? ''}\t${a.revision ?? ''}`);
  await writeSummary(
    input.summary,
    `## Artifacts in ${code(repository.name)}\n\n${table(
      ['Tag', 'Digest', 'Source', 'Revision', 'Created'],
      listed.map((a) => [
        code(a.tag),
        code(a.digest),
        a.source ?? '',
        a.revision ? code(a.revision) : '',
        a.created ?? '',
      ]),
    )}`,
  );
}
