import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);
import{a as b,b as c}from"./chunk-4BHGJXP6.js";import"./chunk-J5ETVYOW.js";import{a}from"./chunk-4MGWWINN.js";import"./chunk-QGEM3NBM.js";import"./chunk-HUYBPK7L.js";import"./chunk-VUZRGFG6.js";import"./chunk-NDJNVI3F.js";export{a as COPIED_SIGNATURE_POLICIES,b as copiedSignatureMessage,c as verifyArtifact};
