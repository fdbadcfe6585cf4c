import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);
import{e as a,f as b,g as c,h as d}from"./chunk-VFZC4E47.js";import"./chunk-675VIHX3.js";import"./chunk-7BIPEVSV.js";import"./chunk-3227IOX6.js";import"./chunk-2LPCASO5.js";import"./chunk-J43S6BGA.js";export{a as backupFileOf,b as claimOwnedFile,d as jobsHolding,c as releaseOwnedFile};
//# sourceMappingURL=owned-file-QTND7V76.js.map
