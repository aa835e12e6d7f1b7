import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);
import{a}from"./chunk-3DWCFREB.js";import"./chunk-ILZWCBCE.js";import"./chunk-W6F64A73.js";import"./chunk-VXJSPNNT.js";import"./chunk-KCXM6YW6.js";import"./chunk-TT24JAVA.js";import"./chunk-VUZRGFG6.js";import"./chunk-NDJNVI3F.js";export{a as verifyArtifact};
