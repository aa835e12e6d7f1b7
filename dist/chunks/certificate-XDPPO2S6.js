import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);
import{a,b,c,d,e,f}from"./chunk-CYV5DSFB.js";import"./chunk-KCXM6YW6.js";import"./chunk-NDJNVI3F.js";export{a as OID_ISSUER_V1,b as OID_ISSUER_V2,c as certificateIdentity,d as certificateNotAfter,f as normalizePEM,e as splitPEM};
