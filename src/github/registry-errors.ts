// Words registry failures for users: src/oci throws data (registry, operation, what happened,
// attempts); this says what it means and which input or action fixes it.
import * as core from '@actions/core';
import {
  type AuthFailure,
  describeNetworkFailure,
  NotFoundError,
  OciError,
  type OciFailure,
  RegistryAuthError,
  RegistryError,
  RegistryNetworkError,
} from '../oci/errors.js';
import { TagSetError } from '../pipeline/tags.js';
import { describeError, UserError } from '../util/errors.js';

/** One line for a failure a registry (or the way to it) caused; undefined for anything else. */
export function registryFailureMessage(err: unknown): string | undefined {
  if (err instanceof TagSetError) {
    const cause =
      registryFailureMessage(err.cause) ??
      (err.cause instanceof UserError ? err.cause.message : describeError(err.cause));
    const what = err.failedTagStored
      ? 'was stored, but the registry never confirmed it'
      : 'was not written';
    return `tag ${err.failedTag} ${what}: ${cause}; ${err.report()}`;
  }
  if (err instanceof OciError) return ociMessage(err.data);
  if (err instanceof RegistryAuthError) return authMessage(err.data);
  if (err instanceof NotFoundError && err.kind === 'manifest')
    return `${err.message}: check the repository and the tag or digest`;
  if (err instanceof RegistryNetworkError) return networkMessage(err);
  if (err instanceof RegistryError) return answerMessage(err);
  return undefined;
}

/** The input an `OciError` is fixed in, when there is one. */
export function ociInput(f: OciFailure): string | undefined {
  switch (f.code) {
    case 'CREDENTIALS_INCOMPLETE':
      return f.missing;
    case 'REFERENCE_INVALID':
      return f.field;
    case 'TOKEN_SERVICE_PLAIN_HTTP':
      return 'insecure';
    // The registry's configuration, or a race with other writers: no input fixes it.
    case 'DELETE_UNSUPPORTED':
    case 'SHARED_TAG_UNCONFIRMED':
    case 'DOCKER_CONFIG_UNUSABLE':
    case 'CREDENTIAL_HELPER_FAILED':
      return undefined;
  }
}

const TAG_RULE =
  "tags are up to 128 letters, digits, '_', '.' or '-', not starting with '.' or '-'";

function ociMessage(f: OciFailure): string {
  switch (f.code) {
    case 'CREDENTIALS_INCOMPLETE':
      return 'username and password must be given together: set both, or neither to use the Docker config';
    case 'DOCKER_CONFIG_UNUSABLE':
      switch (f.problem) {
        case 'unreadable':
          return `the Docker config ${f.path} cannot be read (${f.detail === 'EISDIR' ? 'it is a directory' : f.detail}): fix it, remove it, or set username/password`;
        case 'json':
          return `the Docker config ${f.path} is not valid JSON: fix it, remove it, or set username/password`;
        case 'auth':
          return `the Docker config ${f.path} has an "auth" value that is not base64 of user:password: run docker login again, or set username/password`;
      }
      break;
    case 'CREDENTIAL_HELPER_FAILED':
      switch (f.problem) {
        case 'missing':
          return `the Docker config names credential helper ${f.program}, which is not on PATH: install it, or set username/password`;
        case 'exit':
          return `credential helper ${f.program} failed for ${f.serverUrl} (exit code ${f.exitCode}): check it works with \`echo ${f.serverUrl} | ${f.program} get\`, or set username/password`;
        case 'output':
          return `credential helper ${f.program} printed something that is not JSON for ${f.serverUrl}: check it works with \`echo ${f.serverUrl} | ${f.program} get\`, or set username/password`;
      }
      break;
    case 'TOKEN_SERVICE_PLAIN_HTTP':
      return `registry ${f.registry} sends credentials to the plain-HTTP token service ${f.service}; refusing: use HTTPS, or set insecure: true if that is intended`;
    case 'DELETE_UNSUPPORTED':
      return `registry ${f.registry} does not allow deleting manifests (${f.status}${f.ociCode ? ` ${f.ociCode}` : ''}): enable deletes (distribution: storage.delete.enabled: true) or delete ${f.repository}@${f.digest} in the registry's UI`;
    case 'SHARED_TAG_UNCONFIRMED':
      return f.detail;
    case 'REFERENCE_INVALID':
      return referenceMessage(f);
  }
}

/** `repository "x" has …: fix`, naming the caller's field (the input) or what the value is. */
function referenceMessage(f: Extract<OciFailure, { code: 'REFERENCE_INVALID' }>): string {
  const field = f.field ?? f.kind;
  const given = `${field} "${f.value}"`;
  switch (f.problem) {
    case 'empty':
      return `${field} is empty: give e.g. ghcr.io/org/name`;
    case 'has-digest':
      return `${given} must not include a digest: give the repository only, e.g. ghcr.io/org/name`;
    case 'has-tag':
      return `${given} must not include a tag: give the repository only (e.g. ghcr.io/org/name) and the tags in the tags input`;
    case 'scheme':
      return `${given} must not start with ${f.part}://: give registry/path, optionally with oci://`;
    case 'empty-component':
      return `${given} has an empty path component: remove the extra '/' (e.g. ghcr.io/org/name)`;
    case 'uppercase':
      return `${given} must be lowercase: use ${f.value.trim().toLowerCase()}`;
    case 'path-component':
      return `${given} has an invalid path component "${f.part}": use lowercase letters, digits and single separators '.', '_', '__' or '-' between them`;
    case 'too-long':
      return `${given} is longer than ${f.part} characters: use a shorter name`;
    case 'registry':
      return `${given} has an invalid registry "${f.part}": use a host name with optional :port, e.g. ghcr.io or localhost:5000`;
    case 'tag':
      return f.kind === 'tag'
        ? `${field}: invalid tag "${f.value}": ${TAG_RULE}`
        : `${given} has an invalid tag "${f.part}": ${TAG_RULE}`;
    case 'digest':
      return `${given} has an invalid digest: expected sha256:<64 lowercase hex> or sha512:<128 lowercase hex>`;
  }
}

/** The input a rejected or insufficient credential is fixed in. */
export function authInput(f: AuthFailure): string {
  if (f.source === 'github-token') return 'github-token';
  if (f.kind === 'unauthorized') return f.source === 'inputs' ? 'password' : 'username';
  return f.source === 'anonymous' ? 'username' : 'password';
}

/** What the registry did with the credentials, without the fix: `registry H rejected …`. */
function authWhat(f: AuthFailure): string {
  const action = f.push ? 'push to' : 'pull from';
  if (f.kind === 'denied')
    return `registry ${f.registry} denied access to ${action} ${f.repository}`;
  switch (f.source) {
    case 'inputs':
      return `registry ${f.registry} rejected the username/password (401)`;
    case 'docker-config':
      return `registry ${f.registry} rejected the credentials from the Docker config (401)`;
    case 'github-token':
      return `registry ${f.registry} rejected the github-token (401)`;
    case 'anonymous':
      return `registry ${f.registry} needs credentials to ${action} ${f.repository} (401)`;
  }
}

/** One line for a rejected or insufficient credential, naming the input at fault and the fix. */
function authMessage(f: AuthFailure): string {
  const fix = ((): string => {
    if (f.kind === 'unauthorized') {
      switch (f.source) {
        case 'inputs':
          return 'check username/password';
        case 'docker-config':
          return `check username/password or docker login to ${f.registry}`;
        case 'github-token':
          return 'check github-token, or set username/password';
        case 'anonymous':
          return 'set username/password or docker login';
      }
    }
    if (f.source === 'github-token')
      return f.push
        ? 'github-token lacks packages: write: add `permissions: packages: write` to the job'
        : 'github-token lacks packages: read: add `permissions: packages: read` to the job';
    if (f.source === 'anonymous') return 'set username/password or docker login';
    return f.push
      ? 'use credentials with push access to this repository (check username/password or docker login)'
      : 'use credentials with read access to this repository (check username/password or docker login)';
  })();
  return `${authWhat(f)}: ${fix}`;
}

/**
 * For copy-to on another registry, where `username`/`password` are not used: the usual
 * "set username/password" advice would mislead, so say how to log in to it instead. Undefined
 * when `err` is not a credential failure at `host` that those inputs could have fixed.
 */
export function copyToAuthMessage(
  err: unknown,
  host: string,
  sourceRegistry: string,
): string | undefined {
  if (!(err instanceof RegistryAuthError) || err.data.registry !== host) return undefined;
  if (err.data.source === 'github-token') return undefined;
  return `copy-to: ${authWhat(err.data)}; username/password apply to ${sourceRegistry} only, so log in to ${host} before this step (docker/login-action)`;
}

function networkMessage(err: RegistryNetworkError): string {
  const d = err.data;
  const line = describeNetworkFailure(d);
  switch (d.failure) {
    case 'refused':
      return d.reached
        ? `${line}: the registry answered before, so this is the network or the registry restarting; re-run the job`
        : `cannot reach registry ${d.registry} (${d.detail ?? 'refused'}) for ${d.operation}: check the registry host and port in repository, and any proxy settings`;
    case 'dns':
      return `registry ${d.registry} not found (DNS) for ${d.operation}: check the repository's registry host`;
    case 'tls':
      return `registry ${d.registry} does not speak HTTPS (${d.operation}): set insecure: true to use plain HTTP`;
    case 'certificate':
      return `${line}: the registry presented a certificate this runner does not trust; for a private CA, set NODE_EXTRA_CA_CERTS to its PEM file in the job's env`;
    case 'reset':
    case 'status':
      return `${line}: the registry is reachable but failing; re-run the job, and check the registry's status if it keeps happening`;
    case 'stalled':
      return `${line}: the registry stopped sending; re-run the job, or raise timeout (the idle limit is a tenth of it) for a slow registry`;
    case 'deadline':
      return `${line}: raise the timeout input, or check the registry's status`;
    case 'too-large':
      return `${line}: this is not something a Flux artifact needs; check repository and the tag or digest`;
  }
}

function answerMessage(err: RegistryError): string {
  const prefix =
    err.registry && !err.message.includes(err.registry) ? `registry ${err.registry}: ` : '';
  const fix =
    err.code === 'DIGEST_MISMATCH'
      ? 'the registry holds or served other bytes than their digest names (corrupt, or tampered with); do not use this artifact, re-push it'
      : err.status === 404
        ? 'it disappeared while this step ran (deleted, or garbage-collected); re-run the job'
        : err.status === 400 || err.status === 422
          ? 'the registry refused the request as invalid; check that it supports OCI artifacts (OCI image-spec 1.1)'
          : err.status === 405 || err.status === 501
            ? 'the registry does not support this operation'
            : err.status >= 500
              ? "the registry failed; re-run the job, and check the registry's status if it keeps happening"
              : "check the registry's documentation for this status";
  return `${prefix}${err.message}: ${fix}`;
}

/**
 * On a failed tag set, the outputs say exactly where the tags are: `moved` the tags left moved,
 * `rolled-back` the ones moved and put back, `tags` the ones pointing at the artifact.
 */
export function tagFailureOutputs(err: unknown): void {
  if (!(err instanceof TagSetError)) return;
  core.setOutput('digest', err.digest);
  core.setOutput(
    'tags',
    [...err.unchanged, ...err.created, ...err.leftMoved.map((m) => m.tag)].join('\n'),
  );
  core.setOutput('moved', err.leftMoved.map((m) => m.tag).join('\n'));
  core.setOutput('rolled-back', err.rolledBack.map((m) => m.tag).join('\n'));
}
