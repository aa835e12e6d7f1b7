import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);
import{a,b,c}from"./chunk-GDVSSEO6.js";import"./chunk-RGIOYGIA.js";import"./chunk-54LFRZCV.js";import"./chunk-NDJNVI3F.js";export{a as RegexpSyntaxError,b as re2ToRegExp,c as verifyArtifact};
