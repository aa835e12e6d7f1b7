import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);
import{a}from"./chunk-DTZSU4SN.js";import"./chunk-NISZTIYV.js";import"./chunk-RGIOYGIA.js";import"./chunk-DGXITDMB.js";import"./chunk-NDJNVI3F.js";export{a as verifyArtifact};
