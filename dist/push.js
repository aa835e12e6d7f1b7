import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);
import{m}from"./chunks/chunk-BBGNL5RK.js";import"./chunks/chunk-X4X5M4I7.js";import"./chunks/chunk-TXSYWVZ3.js";import"./chunks/chunk-C2ACCBLN.js";import"./chunks/chunk-6AKG6XH4.js";import{k as r,t as o}from"./chunks/chunk-PG3NF5KB.js";import"./chunks/chunk-NDJNVI3F.js";await o(()=>m(r()));
