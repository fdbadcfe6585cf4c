import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);
import{randomBytes as u}from"node:crypto";function c(t){return JSON.stringify(t).replace(/##\[/g,"##\\u005b")}function f(t){return t.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g," ").replace(/##\[/g,"## [")}function i(){let t=`werf-ship-${u(16).toString("hex")}`;return{stop:`::stop-commands::${t}`,resume:`::${t}::`}}function g(t){if(t==="")return;let{stop:r,resume:n}=i();process.stdout.write(`${r}
${t.endsWith(`
`)?t:`${t}
`}${n}
`)}async function d(t){let{stop:r,resume:n}=i(),s=!0;process.stdout.write(`${r}
`);try{return await t(e=>{let o=typeof e=="string"?e:e.toString("utf8");o!==""&&(process.stdout.write(o),s=o.endsWith(`
`))})}finally{process.stdout.write(`${s?"":`
`}${n}
`)}}export{c as a,f as b,g as c,d};
//# sourceMappingURL=chunk-R6RCPKTD.js.map
