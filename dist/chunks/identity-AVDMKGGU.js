import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);
import{a,b,c,d}from"./chunk-6N5YZPBG.js";import"./chunk-CYV5DSFB.js";import"./chunk-KCXM6YW6.js";import"./chunk-E47IHVTC.js";import"./chunk-JUNDJAJM.js";import"./chunk-NDJNVI3F.js";export{a as compileIdentities,c as matchBundle,b as matchLegacy,d as singleIdentity};
