import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);
import{a}from"./chunk-R2JMBTGZ.js";import{e as s}from"./chunk-NDJNVI3F.js";var e=s(a(),1);function i(r,t="sha256"){return`${t}:${(0,e.createHash)(t).update(r).digest("hex")}`}export{i as a};
