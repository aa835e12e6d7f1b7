import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);
import{l as m}from"./chunks/chunk-ISZJ2IVL.js";import"./chunks/chunk-JVLXUQUU.js";import{j as r,p as o}from"./chunks/chunk-7W3GWBS5.js";await o(()=>m(r()));
