import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);
import{m}from"./chunks/chunk-I2ZLYFLQ.js";import"./chunks/chunk-UGQ6PNBM.js";import"./chunks/chunk-TBM3J5QI.js";import"./chunks/chunk-C2ACCBLN.js";import"./chunks/chunk-O7CCL2LJ.js";import{k as r,s as o}from"./chunks/chunk-QMESY23Q.js";import"./chunks/chunk-NDJNVI3F.js";await o(()=>m(r()));
