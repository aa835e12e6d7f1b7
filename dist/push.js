import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);
import{m}from"./chunks/chunk-7U4LGJQA.js";import"./chunks/chunk-LDQAP7JG.js";import"./chunks/chunk-Q5CJF55R.js";import"./chunks/chunk-C2ACCBLN.js";import"./chunks/chunk-AVLD53SM.js";import{k as r,v as o}from"./chunks/chunk-LJKLVZUW.js";import"./chunks/chunk-NDJNVI3F.js";await o(()=>m(r()));
