import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);
import{a,b,c}from"./chunk-PNOOE5U5.js";import"./chunk-AKIPRF7A.js";import"./chunk-675VIHX3.js";import"./chunk-3IN622UV.js";import"./chunk-3227IOX6.js";import"./chunk-J43S6BGA.js";export{a as backupFileOf,b as claimOwnedFile,c as releaseOwnedFile};
//# sourceMappingURL=owned-file-IZPUYJZJ.js.map
