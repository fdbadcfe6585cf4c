import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);
import{a,b}from"./chunk-SXPBQVHI.js";import"./chunk-CNRPOALR.js";import"./chunk-B6J4NWO6.js";import"./chunk-2LPCASO5.js";import"./chunk-J43S6BGA.js";export{a as pullCheckImages,b as pullTarget};
//# sourceMappingURL=targets-VVLHSVFN.js.map
