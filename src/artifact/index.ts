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
  DEFAULT_MAX_ENTRIES,
  type ExtractLimits,
  type ExtractResult,
  extractLayer,
  UnsafeArchiveError,
} from './extract.js';
export {
  DEFAULT_FLUX_LINE,
  FLUX_LINES,
  type FluxFormat,
  type FluxLine,
  fluxFormat,
  parseFluxLine,
} from './flux-version.js';
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
  firstLayer,
  formatCreated,
  goTimeJSON,
  isRFC3339,
  manifestAnnotations,
  REVISION_ANNOTATION,
  SOURCE_ANNOTATION,
} from './manifest.js';
