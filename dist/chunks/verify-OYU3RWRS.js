import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);
import{a,b,c}from"./chunk-A3RFYPNR.js";import"./chunk-PQZEZJSN.js";import"./chunk-4LZVX2O5.js";import"./chunk-Z76TSOEW.js";import"./chunk-WEHAIGWQ.js";export{a as RegexpSyntaxError,b as re2ToRegExp,c as verifyArtifact};
