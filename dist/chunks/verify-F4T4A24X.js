import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);
import{s as b,t as c,u as d}from"./chunk-C7ALW7OG.js";import{l as a}from"./chunk-AVEKHQJH.js";import"./chunk-73RTJKPB.js";import"./chunk-T6HNRUJS.js";import"./chunk-NDJNVI3F.js";export{b as COPIED_SIGNATURE_POLICIES,c as copiedSignatureMessage,a as singleIdentity,d as verifyArtifact};
