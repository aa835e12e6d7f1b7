import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);
import{a as c}from"./chunk-6LI7SLRV.js";import{a,b}from"./chunk-FGQX5LPN.js";import"./chunk-VXJSPNNT.js";import"./chunk-KCXM6YW6.js";import"./chunk-SLBFEFZ3.js";import"./chunk-VUZRGFG6.js";import"./chunk-NDJNVI3F.js";export{a as RegexpSyntaxError,b as re2ToRegExp,c as verifyArtifact};
