// Public API of the Flux artifact domain.
export { type BuildOptions, buildLayer, currentUmask, type Layer } from './build.js';
export {
  type ContentEntry,
  type ContentMap,
  type ContentsDiff,
  diffContents,
  layerHasFiles,
  listLayer,
  listTree,
} from './contents.js';
export {
  type ExtractLimits,
  type ExtractResult,
  extractLayer,
  UnsafeArchiveError,
} from './extract.js';
export { createGzip, type GzipKind } from './gzip.js';
export { FLUX_DEFAULT_IGNORE, IgnoreMatcher } from './ignore.js';
export {
  annotationsFrom,
  type BuiltManifest,
  buildManifest,
  CONFIG_MEDIA_TYPE,
  CONTENT_MEDIA_TYPE,
  CREATED_ANNOTATION,
  configBlob,
  type Descriptor,
  formatCreated,
  isRFC3339,
  MANIFEST_MEDIA_TYPE,
  REVISION_ANNOTATION,
  SOURCE_ANNOTATION,
  sha256Digest,
} from './manifest.js';
