import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);
import{e as a,f as b,g as c}from"./chunk-4GZIVIIO.js";import"./chunk-BSHZ2N4I.js";import"./chunk-JNLO4YSZ.js";import"./chunk-F66CCKYP.js";import"./chunk-R6RCPKTD.js";import"./chunk-J43S6BGA.js";export{a as claimOwnedFile,c as jobsHolding,b as releaseOwnedFile};
//# sourceMappingURL=owned-file-PSDW7JXK.js.map
