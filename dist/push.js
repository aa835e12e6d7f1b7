import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);
import{m}from"./chunks/chunk-2BVEUV2B.js";import"./chunks/chunk-7H7LN7FM.js";import"./chunks/chunk-F32UCADA.js";import"./chunks/chunk-C2ACCBLN.js";import"./chunks/chunk-AMTU7V3S.js";import{k as r,u as o}from"./chunks/chunk-ZDPJKUGF.js";import"./chunks/chunk-NDJNVI3F.js";await o(()=>m(r()));
