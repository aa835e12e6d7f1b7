import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);
import{a as b,b as c}from"./chunk-HL334RTR.js";import"./chunk-E6JJVFTX.js";import{a}from"./chunk-4MGWWINN.js";import"./chunk-D7PP437G.js";import"./chunk-7S4UOP5S.js";import"./chunk-VUZRGFG6.js";import"./chunk-NDJNVI3F.js";export{a as COPIED_SIGNATURE_POLICIES,b as copiedSignatureMessage,c as verifyArtifact};
