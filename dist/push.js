import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);
import{m}from"./chunks/chunk-ZVT5C6NO.js";import"./chunks/chunk-X4X5M4I7.js";import"./chunks/chunk-WGUGUK66.js";import"./chunks/chunk-C2ACCBLN.js";import"./chunks/chunk-6AKG6XH4.js";import{k as r,t as o}from"./chunks/chunk-PG3NF5KB.js";import"./chunks/chunk-NDJNVI3F.js";await o(()=>m(r()));
