// Public surface of the OCI registry client.
export { type AuthOptions, resolveCredentials } from './auth.js';
export {
  type BlobSource,
  type ManifestDescriptor,
  ManifestNotFoundError,
  RegistryClient,
  type RegistryClientOptions,
  referrersTagFor,
} from './client.js';
export type { Credentials, ExecFn, MaskFn } from './credentials.js';
export { RegistryError } from './errors.js';
export {
  formatReference,
  isDigest,
  isLoopback,
  type ParsedDigest,
  parseDigest,
  parseReference,
  parseRepository,
  parseTag,
  type Reference,
  type Repository,
} from './reference.js';
export type { RetryOptions } from './retry.js';
export * from './types.js';
