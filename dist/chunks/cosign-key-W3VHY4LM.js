import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);
import{a,b,c,d}from"./chunk-5K2VQWJ7.js";import"./chunk-6CZXHP2P.js";import"./chunk-JUNDJAJM.js";import"./chunk-NDJNVI3F.js";export{b as decryptSecret,d as encryptCosignKey,c as encryptSecret,a as loadCosignKey};
