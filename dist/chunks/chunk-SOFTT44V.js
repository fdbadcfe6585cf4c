import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);
var r=/^INPUT_/i;function c(e={},t=process.env){let n={};for(let[s,o]of Object.entries(t))o!==void 0&&!r.test(s)&&(n[s]=o);return{...n,...e}}function i(e=process.env){for(let t of Object.keys(e))r.test(t)&&delete e[t]}export{c as a,i as b};
//# sourceMappingURL=chunk-SOFTT44V.js.map
