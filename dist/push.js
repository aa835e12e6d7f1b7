import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);
import{m}from"./chunks/chunk-PZVGPEWY.js";import"./chunks/chunk-UGQ6PNBM.js";import"./chunks/chunk-YNPBHCGJ.js";import"./chunks/chunk-C2ACCBLN.js";import"./chunks/chunk-AJFNRB42.js";import{k as r,s as o}from"./chunks/chunk-QMESY23Q.js";import"./chunks/chunk-NDJNVI3F.js";await o(()=>m(r()));
