// The `yaml` package, re-exported from an ES module so that `await import('../util/yaml.js')`
// has named exports in the bundle too: esbuild gives a dynamically imported CommonJS module
// (yaml's Node build) only a default export. Import this dynamically, to keep yaml off cold starts.
export { Document, isScalar, parseDocument } from 'yaml';
