import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);
import{a,b}from"./chunk-DGOGILJG.js";import"./chunk-VYBDI25N.js";import"./chunk-5MTPDSGU.js";import"./chunk-J43S6BGA.js";export{b as getText,a as releaseHostDispatcher};
//# sourceMappingURL=release-host-6K4DXZTA.js.map
