import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);
import{createHash as r}from"node:crypto";function a(e,t="sha256"){return`${t}:${r(t).update(e).digest("hex")}`}export{a};
