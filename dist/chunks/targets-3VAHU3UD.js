import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);
import{a,b}from"./chunk-QTYZ4NBO.js";import"./chunk-4JZFLPCV.js";import"./chunk-B6J4NWO6.js";import"./chunk-R6RCPKTD.js";import"./chunk-J43S6BGA.js";export{a as pullCheckImages,b as pullTarget};
//# sourceMappingURL=targets-3VAHU3UD.js.map
