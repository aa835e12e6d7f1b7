import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);
var n=class extends Error{constructor(t,s,e){super(t,e);this.input=s}input;name="UserError"};function i(r){return r instanceof Error?r.message.split(`
`)[0]??r.name:String(r)}export{n as a,i as b};
