import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);
import{randomBytes as e}from"node:crypto";function i(t){return JSON.stringify(t).replace(/##\[/g,"##\\u005b")}function u(t){return t.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g," ").replace(/##\[/g,"## [")}function o(){let t=`werf-ship-${e(16).toString("hex")}`;return{stop:`::stop-commands::${t}`,resume:`::${t}::`}}function p(t){if(t==="")return;let{stop:r,resume:n}=o();process.stdout.write(`${r}
${t.endsWith(`
`)?t:`${t}
`}${n}
`)}export{i as a,u as b,p as c};
//# sourceMappingURL=chunk-AKIPRF7A.js.map
