import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);
import{c as a,d as b,e as c}from"./chunk-OL5LWA5X.js";import"./chunk-V3AKOWEG.js";import"./chunk-3USER2VE.js";import"./chunk-BSHZ2N4I.js";import"./chunk-F66CCKYP.js";import"./chunk-R6RCPKTD.js";import"./chunk-J43S6BGA.js";export{a as claimOwnedFile,c as jobsHolding,b as releaseOwnedFile};
//# sourceMappingURL=owned-file-WIYVMWCT.js.map
