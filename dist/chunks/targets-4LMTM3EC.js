import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);
import{a,b}from"./chunk-ZSKNYA2H.js";import"./chunk-2TJEXKIY.js";import"./chunk-B6J4NWO6.js";import"./chunk-J43S6BGA.js";export{a as pullCheckImages,b as pullTarget};
//# sourceMappingURL=targets-4LMTM3EC.js.map
