import * as core from '@actions/core';
import { RegistryClient } from '../oci/client.js';
import type { ExecFn } from '../oci/credentials.js';
import { type Deadline, deadlineIn } from '../oci/deadline.js';
import { parseRepository, type Repository } from '../oci/reference.js';
import { type Inputs, parseDuration } from './inputs.js';

/**
 * Runs docker-credential-* helpers through @actions/exec, output kept out of the log. Loaded on
 * the first helper run: @actions/exec (and @actions/io, which it loads) is not needed before the
 * first line (issue 10's cold start).
 */
const execHelper: ExecFn = async (file, args, input) => {
  const { getExecOutput } = await import('@actions/exec');
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
  const repository = readRepository(inputs, repositoryInput);
  return { repository, client: clientFor(inputs, repository, true) };
}

/**
 * A second repository (e.g. `copy-to`): `username`/`password` name credentials for the source's
 * registry, so they apply here only on that same registry; elsewhere the Docker config,
 * `github-token` or anonymous access resolve as usual.
 */
export function connectOther(inputs: Inputs, input: string, source: Repository): Connection {
  const repository = readRepository(inputs, input);
  const sameRegistry = repository.registry === source.registry;
  return { repository, client: clientFor(inputs, repository, sameRegistry) };
}

/**
 * Reads a repository input. OCI repository names are lower case, but `ghcr.io/${{ github.repository }}`
 * keeps the owner's capitals: like docker/metadata-action does for image names, the name is
 * lower-cased with a notice (tags are never changed; they may hold capitals).
 */
function readRepository(inputs: Inputs, input: string): Repository {
  const given = inputs.required(input);
  const lower = given.toLowerCase();
  // Parsed lower-cased, so an error names what else is wrong rather than the capitals.
  const repository = parseRepository(lower, { input });
  if (lower !== given) {
    core.notice(
      `${input}: using ${repository.name} (repository names are lower case; "${given}" has capitals)`,
    );
  }
  return repository;
}

/** Default `timeout`: see docs/network.md (a backstop; stalls are caught by the idle timeout). */
const DEFAULT_TIMEOUT = '10m';

let stepDeadline: { deadline: Deadline; idleTimeoutMs: number } | undefined;

/**
 * The step's deadline, started on first use and shared by every client of the step, and the
 * per-request idle timeout derived from it: a tenth, between 2 s and 60 s.
 */
function registryDeadline(inputs: Inputs): { deadline: Deadline; idleTimeoutMs: number } {
  if (stepDeadline) return stepDeadline;
  const limitMs = parseDuration(inputs.string('timeout') ?? DEFAULT_TIMEOUT, 'timeout');
  stepDeadline = {
    deadline: deadlineIn(limitMs),
    idleTimeoutMs: Math.min(60_000, Math.max(2000, Math.floor(limitMs / 10))),
  };
  return stepDeadline;
}

function clientFor(inputs: Inputs, repository: Repository, explicit: boolean): RegistryClient {
  const username = explicit ? inputs.string('username') : undefined;
  const password = explicit ? inputs.secret('password') : undefined;
  if (!explicit) inputs.secret('password'); // still masked in the log
  const githubToken = inputs.secret('github-token');
  const insecure = inputs.boolean('insecure', false);
  return new RegistryClient(repository, {
    username,
    password,
    githubToken,
    githubActor: process.env.GITHUB_ACTOR,
    exec: execHelper,
    mask: core.setSecret,
    insecure,
    ...registryDeadline(inputs),
  });
}
