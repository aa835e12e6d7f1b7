import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);
import{a,b,c}from"./chunk-C3SIPKPX.js";import"./chunk-GLFETGHA.js";import"./chunk-JE5NVKNK.js";import"./chunk-QGUWK5WE.js";import"./chunk-NDJNVI3F.js";export{a as RegexpSyntaxError,b as re2ToRegExp,c as verifyArtifact};
