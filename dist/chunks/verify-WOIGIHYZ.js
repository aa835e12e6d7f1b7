import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);
import{a}from"./chunk-CHFJBR6D.js";import"./chunk-IH6Z6APM.js";import"./chunk-QOUDY5PZ.js";import"./chunk-RR2ZW7YR.js";import"./chunk-JUNDJAJM.js";import"./chunk-R2JMBTGZ.js";import"./chunk-NDJNVI3F.js";export{a as verifyArtifact};
