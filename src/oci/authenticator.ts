// What to put in `Authorization`, learnt from the registry's challenges (ggcr's ping and
// schemer): nothing, Basic credentials, or Bearer tokens from the challenge's realm.

import { type BearerOptions, BearerTokens, type TokenRealm } from './bearer.js';
import { readLimited } from './body.js';
import { ANONYMOUS, basicHeader, type Credentials } from './credentials.js';
import { authError, parseErrorBody, RegistryError } from './errors.js';
import type { TransportResponse } from './http.js';
import { mergeScopes, needsPush, repositoryOf } from './scope.js';
import type { Challenge } from './www-authenticate.js';

type AuthScheme =
  | { kind: 'unknown' }
  | { kind: 'none' }
  | { kind: 'basic' }
  | ({ kind: 'bearer' } & TokenRealm);

type CredentialSourceOption = Credentials | (() => Promise<Credentials>) | undefined;

export class Authenticator {
  private readonly registry: string;
  private credentials: Credentials | undefined;
  private credentialsPromise: Promise<Credentials> | undefined;
  private scheme: AuthScheme = { kind: 'unknown' };
  private readonly tokens: BearerTokens;

  constructor(
    private readonly credentialSource: CredentialSourceOption,
    options: Omit<BearerOptions, 'credentials'>,
  ) {
    this.registry = options.registry;
    this.tokens = new BearerTokens({ ...options, credentials: () => this.getCredentials() });
  }

  /** Resolved once, on first need, so anonymous registries never run a helper. */
  async getCredentials(): Promise<Credentials> {
    if (this.credentials) return this.credentials;
    const src = this.credentialSource;
    if (src === undefined) this.credentials = ANONYMOUS;
    else if (typeof src === 'function') {
      this.credentialsPromise ??= src();
      this.credentials = await this.credentialsPromise;
    } else this.credentials = src;
    return this.credentials;
  }

  /** The Authorization header to send up front, from what earlier challenges taught us. */
  async authorization(scopes: string[], signal?: AbortSignal): Promise<string | undefined> {
    switch (this.scheme.kind) {
      case 'unknown':
      case 'none':
        return undefined;
      case 'basic': {
        const c = await this.getCredentials();
        return c.kind === 'basic' ? basicHeader(c.username, c.password) : undefined;
      }
      case 'bearer': {
        const c = await this.getCredentials();
        if (c.kind === 'registry-token') return `Bearer ${c.token}`;
        const cached = this.tokens.cached(scopes);
        if (cached) return `Bearer ${cached}`;
        return `Bearer ${await this.tokens.fetch(this.scheme, scopes, signal)}`;
      }
    }
  }

  async handleChallenge(challenge: Challenge, scopes: string[], signal?: AbortSignal) {
    if (challenge.scheme === 'basic') {
      this.scheme = { kind: 'basic' };
      return;
    }
    const realm = challenge.params.realm;
    if (!realm)
      throw new RegistryError(
        `registry ${this.registry} sent a Bearer challenge without realm`,
        401,
      );
    const scheme: AuthScheme = { kind: 'bearer', realm };
    if (challenge.params.service !== undefined) scheme.service = challenge.params.service;
    this.scheme = scheme;
    // The registry may ask for more than we guessed (e.g. a mount source); merge its scope in.
    const wanted = mergeScopes(scopes, challenge.params.scope?.split(' ').filter(Boolean) ?? []);
    this.tokens.forget(wanted);
    const c = await this.getCredentials();
    if (c.kind !== 'registry-token') await this.tokens.fetch(scheme, wanted, signal);
  }

  /** The error for a 401 that another attempt would not cure. */
  async authFailure(scopes: string[], method: string, challenge?: Challenge) {
    const creds = await this.getCredentials();
    // A token was issued but does not allow this: the credentials are fine, the rights are not.
    const insufficient =
      challenge?.params.error === 'insufficient_scope' && this.scheme.kind === 'bearer';
    return authError({
      registry: this.registry,
      repository: repositoryOf(scopes, this.registry),
      source: creds.source,
      push: needsPush(scopes, method),
      kind: insufficient && creds.kind !== 'anonymous' ? 'denied' : 'unauthorized',
    });
  }

  /** The error for a 403: the credentials may not do this. */
  async forbidden(res: TransportResponse, scopes: string[], method: string, operation: string) {
    const { code } = parseErrorBody(await readLimited(res));
    return authError(
      {
        registry: this.registry,
        repository: repositoryOf(scopes, this.registry),
        source: (await this.getCredentials()).source,
        push: needsPush(scopes, method),
        kind: 'denied',
      },
      new RegistryError(`${method} ${res.url}: 403 ${code ?? ''}`.trim(), 403, code, {
        registry: this.registry,
        operation,
      }),
    );
  }
}

/** Bearer preferred over Basic when a registry offers both. */
export function pickChallenge(challenges: Challenge[]): Challenge | undefined {
  return (
    challenges.find((c) => c.scheme === 'bearer') ?? challenges.find((c) => c.scheme === 'basic')
  );
}
