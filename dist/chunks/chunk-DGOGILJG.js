import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);
import{d as s,e,f as o}from"./chunk-VYBDI25N.js";function c(){return new s().compose(e.retry({maxRetries:3,minTimeout:500}),e.redirect({maxRedirections:5}))}async function p(i){let r=c();try{let t=await o(i,{dispatcher:r,headersTimeout:3e4,bodyTimeout:3e4}),n=await t.body.text(),a=t.context?.history??[];return{status:t.statusCode,body:n,via:a}}finally{await r.close()}}export{c as a,p as b};
//# sourceMappingURL=chunk-DGOGILJG.js.map
