import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);
import{a,b}from"./chunk-CX2L3ZE6.js";import"./chunk-PRFJJGGN.js";import"./chunk-B6J4NWO6.js";import"./chunk-R6RCPKTD.js";import"./chunk-J43S6BGA.js";export{a as pullCheckImages,b as pullTarget};
//# sourceMappingURL=targets-AIQNSEXW.js.map
