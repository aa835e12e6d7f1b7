import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);
import{a,b,c}from"./chunk-5QQLJA64.js";import"./chunk-GLFETGHA.js";import"./chunk-4LZVX2O5.js";import"./chunk-MXIS4G7Q.js";import"./chunk-VUZRGFG6.js";import"./chunk-NDJNVI3F.js";export{a as RegexpSyntaxError,b as re2ToRegExp,c as verifyArtifact};
