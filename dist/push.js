import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);
import{m}from"./chunks/chunk-D7NVF4TB.js";import"./chunks/chunk-UGQ6PNBM.js";import"./chunks/chunk-KT7WJMHP.js";import"./chunks/chunk-C2ACCBLN.js";import"./chunks/chunk-JKPW6KRF.js";import{k as r,s as o}from"./chunks/chunk-QMESY23Q.js";import"./chunks/chunk-NDJNVI3F.js";await o(()=>m(r()));
