import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);
import{m}from"./chunks/chunk-MP6MR3V4.js";import"./chunks/chunk-LUGU4V42.js";import{k as r,q as o}from"./chunks/chunk-QL5EWBIC.js";await o(()=>m(r()));
