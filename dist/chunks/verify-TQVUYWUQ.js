import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);
import{a}from"./chunk-ALQZZ52Z.js";import"./chunk-W6F64A73.js";import"./chunk-RGIOYGIA.js";import"./chunk-DGXITDMB.js";import"./chunk-NDJNVI3F.js";export{a as verifyArtifact};
