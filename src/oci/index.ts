// Public surface of the OCI registry client.
export { type AuthOptions, resolveCredentials } from './auth.js';
export { RegistryClient, type RegistryClientOptions } from './client.js';
export type { Credentials, ExecFn, MaskFn } from './credentials.js';
export { RegistryError } from './errors.js';
export { type ManifestDescriptor, ManifestNotFoundError } from './manifests.js';
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
  referrersTagFor,
} from './reference.js';
export type { RetryOptions } from './retry.js';
export * from './types.js';
export type { BlobSource } from './upload.js';
