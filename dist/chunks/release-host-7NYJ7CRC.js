import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);
import{a,b}from"./chunk-F2OYUF3U.js";import"./chunk-VYBDI25N.js";import"./chunk-5MTPDSGU.js";import"./chunk-J43S6BGA.js";export{b as getText,a as releaseHostDispatcher};
//# sourceMappingURL=release-host-7NYJ7CRC.js.map
