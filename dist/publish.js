import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);
import{m}from"./chunks/chunk-F64RYKC6.js";import"./chunks/chunk-4LDRBUWV.js";import{k as r,q as o}from"./chunks/chunk-IWLUHEOM.js";await o(()=>m(r()));
