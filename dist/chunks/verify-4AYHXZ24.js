import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);
import{a,b,c,d,e}from"./chunk-NOTAINV4.js";import"./chunk-25627HQC.js";import"./chunk-CC3GSWXV.js";import"./chunk-Y4NU4E3V.js";import"./chunk-2TJEXKIY.js";import"./chunk-B6J4NWO6.js";import"./chunk-J43S6BGA.js";export{c as headline,a as imagesToVerify,e as reportedImages,d as verificationFailure,b as verifyImages};
//# sourceMappingURL=verify-4AYHXZ24.js.map
