// Public API of the Flux artifact domain.
export { type BuildOptions, buildLayer, type Layer, prepareBuild } from './build.js';
export {
  type ContentsDiff,
  diffContents,
  layerHasFiles,
  listLayer,
  listTree,
} from './contents.js';
export {
  DEFAULT_MAX_ENTRIES,
  type ExtractResult,
} from './extract.js';
export {
  DEFAULT_FLUX_LINE,
  FLUX_LINES,
  type FluxFormat,
  fluxFormat,
  parseFluxLine,
} from './flux-version.js';
export { FLUX_DEFAULT_IGNORE } from './ignore.js';
export {
  annotationsFrom,
  buildManifest,
  CONFIG_MEDIA_TYPE,
  CONTENT_MEDIA_TYPE,
  CREATED_ANNOTATION,
  configBlob,
  firstLayer,
  formatCreated,
  goTimeJSON,
  isRFC3339,
  manifestAnnotations,
  REVISION_ANNOTATION,
  SOURCE_ANNOTATION,
} from './manifest.js';
