import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);
import{a as b,b as c}from"./chunk-IEB4QSJB.js";import"./chunk-DBRMZ5GT.js";import{a}from"./chunk-4MGWWINN.js";import"./chunk-IT2WXC6G.js";import"./chunk-72TD5CTC.js";import"./chunk-VUZRGFG6.js";import"./chunk-NDJNVI3F.js";export{a as COPIED_SIGNATURE_POLICIES,b as copiedSignatureMessage,c as verifyArtifact};
