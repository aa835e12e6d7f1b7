import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);
import{a,b,c,d,e,f}from"./chunk-Y5LKCBZG.js";import"./chunk-JUNDJAJM.js";import"./chunk-NDJNVI3F.js";export{b as ENCRYPTED_COSIGN_KEY_PEM_TYPE,a as ENCRYPTED_SIGSTORE_KEY_PEM_TYPE,d as decryptSecret,f as encryptCosignKey,e as encryptSecret,c as loadCosignKey};
