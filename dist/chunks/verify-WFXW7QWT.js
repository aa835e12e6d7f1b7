import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);
import{s as b,t as c,u as d}from"./chunk-54JJZCFP.js";import{l as a}from"./chunk-AVEKHQJH.js";import"./chunk-WZGXAJCS.js";import"./chunk-T6HNRUJS.js";import"./chunk-NDJNVI3F.js";export{b as COPIED_SIGNATURE_POLICIES,c as copiedSignatureMessage,a as singleIdentity,d as verifyArtifact};
