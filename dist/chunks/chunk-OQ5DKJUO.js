import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);
import{c as s}from"./chunk-BSHZ2N4I.js";import*as r from"node:fs";import*as f from"node:os";import*as n from"node:path";var i;function p(){if(i)return i;let e=process.env.RUNNER_TEMP||f.tmpdir();r.mkdirSync(e,{recursive:!0});let t=r.mkdtempSync(n.join(e,"werf-ship-"));return s({kind:"remove-dir",path:t}),i=t,t}function c(e,t){let o=n.join(p(),e);return r.writeFileSync(o,t,{mode:384}),o}export{p as a,c as b};
//# sourceMappingURL=chunk-OQ5DKJUO.js.map
