import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);
import{a as u,b as y,c as v,d as $,i as x,j as C,k as F}from"./chunks/chunk-ISZJ2IVL.js";import{a as b}from"./chunks/chunk-BFUSD6LZ.js";import{a as k,h as M}from"./chunks/chunk-JVLXUQUU.js";import{f,g as w,j as L,k as E,l as s,n as P,o as R,p as O}from"./chunks/chunk-7W3GWBS5.js";await O(async()=>{let t=L(),h=k(),{repository:T,client:c}=E(t),a=b(t),p={path:C(t,h),ignorePaths:F(t),resolveSymlinks:t.boolean("resolve-symlinks",!1),workspace:h.workspace,tmpDir:process.env.RUNNER_TEMP},z=t.boolean("fail-on-change",!1),n=await u(p);await n.cleanup();let o=await c.headManifest(a)?await c.getManifest(a):void 0,d=o?x(o.bytes):void 0,i=d?.digest!==n.digest||d.size!==n.size,e={added:[],removed:[],modified:[]};if(i){let g=await v(p),r=d?await y(await c.fetchBlob(d.digest)):new Map;e=$(g,r)}let m=`${T.name}${a.includes(":")?"@":":"}${a}`;o?i?f("the remote artifact contents differs from the local one"):f("no changes detected"):f(`${m} does not exist: everything is new`),M({changed:i,digest:o?.digest??"","layer-digest":n.digest,added:e.added,removed:e.removed,modified:e.modified});let l=(g,r)=>r.length===0?"":P(`${g} (${r.length})`,r.map(N=>`- ${s(N)}`).join(`
`)),I=i&&o&&e.added.length+e.removed.length+e.modified.length===0;if(await R(t.boolean("summary",!0),`## Flux OCI diff: ${i?"changed":"no changes"}

Local ${s(n.digest)} vs ${s(m)}${o?` (${s(o.digest)})`:" (not found)"}

`+(I?`The files are identical; only the archive bytes differ (e.g. another compressor).

`:"")+l("Added",e.added)+l("Removed",e.removed)+l("Modified",e.modified)),i&&z)throw new w(`the local contents differ from ${m} (fail-on-change: true)`,"fail-on-change")});
