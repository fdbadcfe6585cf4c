import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);
import{a as t}from"./chunks/chunk-BSHZ2N4I.js";import"./chunks/chunk-F66CCKYP.js";import"./chunks/chunk-J43S6BGA.js";var i=t()?await import("./chunks/post-SZLN3BJM.js"):await import("./chunks/main-VDKLB2FJ.js");await i.run();
//# sourceMappingURL=index.js.map
