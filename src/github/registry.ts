import * as core from '@actions/core';
import { getExecOutput } from '@actions/exec';
import { RegistryClient } from '../oci/client.js';
import type { ExecFn } from '../oci/credentials.js';
import { parseRepository, type Repository } from '../oci/reference.js';
import type { Inputs } from './inputs.js';

/** Runs docker-credential-* helpers through @actions/exec, output kept out of the log. */
const execHelper: ExecFn = async (file, args, input) => {
  const r = await getExecOutput(file, args, {
    input: Buffer.from(input),
    silent: true,
    ignoreReturnCode: true,
  });
  return { code: r.exitCode, stdout: r.stdout, stderr: r.stderr };
};

export interface Connection {
  repository: Repository;
  client: RegistryClient;
}

/**
 * Reads the registry inputs every entry point shares (`repository`, `username`, `password`,
 * `github-token`, `insecure`) and returns a client whose credentials resolve on first need.
 */
export function connect(inputs: Inputs, repositoryInput = 'repository'): Connection {
  const repository = parseRepository(inputs.required(repositoryInput), { input: repositoryInput });
  const username = inputs.string('username');
  const password = inputs.secret('password');
  const githubToken = inputs.secret('github-token');
  const insecure = inputs.boolean('insecure', false);
  const client = new RegistryClient(repository, {
    username,
    password,
    githubToken,
    githubActor: process.env.GITHUB_ACTOR,
    exec: execHelper,
    mask: core.setSecret,
    insecure,
  });
  return { repository, client };
}
