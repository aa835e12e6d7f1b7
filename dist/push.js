import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);
import{m}from"./chunks/chunk-OQULDV7M.js";import"./chunks/chunk-MMVWZOYH.js";import"./chunks/chunk-XSFYUR56.js";import"./chunks/chunk-C2ACCBLN.js";import"./chunks/chunk-ZDSI777A.js";import{k as r,s as o}from"./chunks/chunk-LWL33G23.js";import"./chunks/chunk-NDJNVI3F.js";await o(()=>m(r()));
