import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);
import{e as a,f as b,g as c,h as d}from"./chunk-UWAO2BYM.js";import"./chunk-BSHZ2N4I.js";import"./chunk-JNLO4YSZ.js";import"./chunk-F66CCKYP.js";import"./chunk-R6RCPKTD.js";import"./chunk-J43S6BGA.js";export{a as backupFileOf,b as claimOwnedFile,d as jobsHolding,c as releaseOwnedFile};
//# sourceMappingURL=owned-file-43T6KM35.js.map
