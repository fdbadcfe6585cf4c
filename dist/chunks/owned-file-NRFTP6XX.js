import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);
import{c as a,d as b,e as c}from"./chunk-QMT2TCCR.js";import"./chunk-IKBWRDSE.js";import"./chunk-JNLO4YSZ.js";import"./chunk-BSHZ2N4I.js";import"./chunk-F66CCKYP.js";import"./chunk-R6RCPKTD.js";import"./chunk-J43S6BGA.js";export{a as claimOwnedFile,c as jobsHolding,b as releaseOwnedFile};
//# sourceMappingURL=owned-file-NRFTP6XX.js.map
