import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);
import{a as t,c as o}from"./chunk-NDJNVI3F.js";var c=o(r=>{var n,a=()=>n??=t("node:crypto");for(let e of["createHash"])Object.defineProperty(r,e,{enumerable:!0,get:()=>a()[e]})});export{c as a};
