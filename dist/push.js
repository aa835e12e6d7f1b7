import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);
import{m}from"./chunks/chunk-PS5WMTHX.js";import"./chunks/chunk-KSUQXQXY.js";import"./chunks/chunk-U4SNTVDN.js";import"./chunks/chunk-C2ACCBLN.js";import"./chunks/chunk-GWA7G4C5.js";import{k as r,u as o}from"./chunks/chunk-VV5EBDHC.js";import"./chunks/chunk-NDJNVI3F.js";await o(()=>m(r()));
