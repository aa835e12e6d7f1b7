import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);
import{a as u,b as y,c as v,d as $,i as x,j as C,k as F,l as O}from"./chunks/chunk-MP6MR3V4.js";import{a as b}from"./chunks/chunk-ABO4MADX.js";import{a as k,h as M}from"./chunks/chunk-LUGU4V42.js";import{g as f,h as w,k as L,l as E,m as s,o as P,p as R,q as S}from"./chunks/chunk-QL5EWBIC.js";await S(async()=>{let t=L(),p=k(),{repository:T,client:c}=E(t),a=b(t),h={path:C(t,p),ignorePaths:F(t),resolveSymlinks:t.boolean("resolve-symlinks",!1),workspace:p.workspace,tmpDir:process.env.RUNNER_TEMP},z=t.boolean("fail-on-change",!1),i=await u(h);await i.cleanup(),O(i.skipped);let o=await c.headManifest(a)?await c.getManifest(a):void 0,d=o?x(o.bytes):void 0,n=d?.digest!==i.digest||d.size!==i.size,e={added:[],removed:[],modified:[]};if(n){let g=await v(h),r=d?await y(await c.fetchBlob(d.digest)):new Map;e=$(g,r)}let m=`${T.name}${a.includes(":")?"@":":"}${a}`;o?n?f("the remote artifact contents differs from the local one"):f("no changes detected"):f(`${m} does not exist: everything is new`),M({changed:n,digest:o?.digest??"","layer-digest":i.digest,added:e.added,removed:e.removed,modified:e.modified});let l=(g,r)=>r.length===0?"":P(`${g} (${r.length})`,r.map(N=>`- ${s(N)}`).join(`
`)),I=n&&o&&e.added.length+e.removed.length+e.modified.length===0;if(await R(t.boolean("summary",!0),`## Flux OCI diff: ${n?"changed":"no changes"}

Local ${s(i.digest)} vs ${s(m)}${o?` (${s(o.digest)})`:" (not found)"}

`+(I?`The files are identical; only the archive bytes differ (e.g. another compressor).

`:"")+l("Added",e.added)+l("Removed",e.removed)+l("Modified",e.modified)),n&&z)throw new w(`the local contents differ from ${m} (fail-on-change: true)`,"fail-on-change")});
