import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);
import{a,b,c,d,e,f,g,h}from"./chunk-ZBWLYJHO.js";import"./chunk-W7P5CKTB.js";import"./chunk-NDJNVI3F.js";h();export{c as HttpStatusError,d as NetworkError,f as getJSON,e as postJSON,a as proxyAgent,g as redactTokens,b as statusText};
