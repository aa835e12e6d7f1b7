import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);
import{a}from"./chunk-LDSLLWDW.js";import"./chunk-7726MXJJ.js";import"./chunk-YIWZHMDC.js";import"./chunk-RR2ZW7YR.js";import"./chunk-JUNDJAJM.js";import"./chunk-NDJNVI3F.js";export{a as verifyArtifact};
