import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);
import{a}from"./chunk-FMEE2ZSO.js";import"./chunk-VJYTC7N4.js";import"./chunk-NDJNVI3F.js";export default a();
