import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);
import{n as a,o as b}from"./chunk-2OGSNUKD.js";import"./chunk-VYBDI25N.js";import"./chunk-5MTPDSGU.js";import"./chunk-R6RCPKTD.js";import"./chunk-J43S6BGA.js";export{b as closeSharedSessions,a as sharedSession};
//# sourceMappingURL=session-U4TZWJI4.js.map
