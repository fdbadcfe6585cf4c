import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);
import{a,b}from"./chunk-DTEOVMLA.js";import"./chunk-CC3GSWXV.js";import"./chunk-J43S6BGA.js";export{b as getText,a as releaseHostDispatcher};
//# sourceMappingURL=release-host-A7R2F6VN.js.map
