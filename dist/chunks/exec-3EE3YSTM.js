import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);
import{a,b}from"./chunk-T7GNMVGF.js";import"./chunk-NDJNVI3F.js";export{a as exec,b as getExecOutput};
