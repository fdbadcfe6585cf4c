import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);
import{a,b,c}from"./chunk-XU6NV5PH.js";import"./chunk-AKIPRF7A.js";import"./chunk-K2O7XZYV.js";import"./chunk-SLQJ4X4M.js";import"./chunk-J43S6BGA.js";export{a as backupFileOf,b as claimOwnedFile,c as releaseOwnedFile};
//# sourceMappingURL=owned-file-ILAOTPCL.js.map
