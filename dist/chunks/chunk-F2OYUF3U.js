import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);
import{d as s,e as t,f as o}from"./chunk-VYBDI25N.js";function n(){return new s().compose(t.retry({maxRetries:3,minTimeout:500}),t.redirect({maxRedirections:5}))}async function c(i){let e=n();try{let r=await o(i,{dispatcher:e,headersTimeout:3e4,bodyTimeout:3e4});return{status:r.statusCode,body:await r.body.text()}}finally{await e.close()}}export{n as a,c as b};
//# sourceMappingURL=chunk-F2OYUF3U.js.map
