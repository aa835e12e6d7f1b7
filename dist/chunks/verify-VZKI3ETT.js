import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);
import{t as a,u as b,v as c,w as d,x as e,y as f}from"./chunk-JMN5ZYLA.js";import"./chunk-CKJWB27I.js";import"./chunk-NDJNVI3F.js";export{d as COPIED_SIGNATURE_POLICIES,a as RegexpSyntaxError,e as copiedSignatureMessage,b as re2ToRegExp,c as singleIdentity,f as verifyArtifact};
