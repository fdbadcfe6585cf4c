import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);
import{c as s}from"./chunk-KA67BNTI.js";import"./chunk-Y4NU4E3V.js";import{g as i,q as e}from"./chunk-SLQJ4X4M.js";import"./chunk-J43S6BGA.js";async function f(r){let t=r.registry==="docker.io";try{let o=await i(r.werfPath,["cr","logout","--docker-config",r.dockerConfig,...t?[]:[r.registry]],{silent:!0,ignoreReturnCode:!0,env:{...process.env}});o.exitCode!==0&&e(`werf cr logout from ${r.registry} failed: ${c(o.stderr)||`exit code ${o.exitCode}`}`),t&&await s(r.dockerConfig)}catch(o){e(`werf cr logout from ${r.registry} failed: ${o.message}`)}}function c(r){return r.trim().split(`
`).pop()?.trim()??""}export{f as logout};
//# sourceMappingURL=logout-UZCOJ3EA.js.map
