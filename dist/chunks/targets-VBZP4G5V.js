import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);
import{a,b}from"./chunk-GKHDF5V7.js";import"./chunk-4JZFLPCV.js";import"./chunk-B6J4NWO6.js";import"./chunk-R6RCPKTD.js";import"./chunk-J43S6BGA.js";export{a as pullCheckImages,b as pullTarget};
//# sourceMappingURL=targets-VBZP4G5V.js.map
