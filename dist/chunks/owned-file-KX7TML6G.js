import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);
import{e as a,f as b,g as c,h as d}from"./chunk-Z523NOU4.js";import"./chunk-675VIHX3.js";import"./chunk-7BIPEVSV.js";import"./chunk-3227IOX6.js";import"./chunk-R6RCPKTD.js";import"./chunk-J43S6BGA.js";export{a as backupFileOf,b as claimOwnedFile,d as jobsHolding,c as releaseOwnedFile};
//# sourceMappingURL=owned-file-KX7TML6G.js.map
