import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);
import{a,b,c}from"./chunk-3SJMHOH7.js";import"./chunk-PQZEZJSN.js";import"./chunk-4LZVX2O5.js";import"./chunk-3FPYNVK7.js";import"./chunk-WEHAIGWQ.js";export{a as RegexpSyntaxError,b as re2ToRegExp,c as verifyArtifact};
