import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);
import{a as c}from"./chunk-KCXM6YW6.js";import{e as o}from"./chunk-NDJNVI3F.js";var n=o(c(),1),f="1.3.6.1.4.1.57264.1.1",s="1.3.6.1.4.1.57264.1.8";function m(e){let t=n.X509Certificate.parse(e),r=t.extSubjectAltName;return{certificateIdentity:r?.uri??r?.rfc822Name??"",certificateOidcIssuer:a(t)}}function a(e){let t=e.extension(s);if(t)try{return n.ASN1Obj.parseBuffer(Buffer.from(t.value)).value.toString("utf8")}catch{}let r=e.extension(f);return r?Buffer.from(r.value).toString("utf8"):""}function p(e){return n.X509Certificate.parse(e).notAfter}function u(e,t="CERTIFICATE"){let i=Buffer.from(e).toString("base64").match(/.{1,64}/g)??[];return`-----BEGIN ${t}-----
${i.join(`
`)}
-----END ${t}-----
`}function E(e){return(e.match(/-----BEGIN [A-Z0-9 ]+-----[\s\S]+?-----END [A-Z0-9 ]+-----/g)??[]).map(t=>`${t}
`)}function I(e){let t=/-----BEGIN ([A-Z0-9 ]+)-----([\s\S]+?)-----END \1-----/.exec(e);if(!t)throw new Error("not a PEM block");return u(Buffer.from((t[2]??"").replace(/\s+/g,""),"base64"),t[1])}export{f as a,s as b,m as c,p as d,E as e,I as f};
