import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);
import{m}from"./chunks/chunk-EIGBG3E6.js";import"./chunks/chunk-FB4KJ6W7.js";import"./chunks/chunk-C2ACCBLN.js";import"./chunks/chunk-UDLZ6LLN.js";import"./chunks/chunk-2JWGI73T.js";import{k as r,r as o}from"./chunks/chunk-R4WNLAAH.js";import"./chunks/chunk-NDJNVI3F.js";await o(()=>m(r()));
