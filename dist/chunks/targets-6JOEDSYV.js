import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);
import{a,b}from"./chunk-AXV6XKKX.js";import"./chunk-EJYVBQGV.js";import"./chunk-BMQ77IYP.js";import"./chunk-R6RCPKTD.js";import"./chunk-J43S6BGA.js";export{a as pullCheckImages,b as pullTarget};
//# sourceMappingURL=targets-6JOEDSYV.js.map
