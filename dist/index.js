import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);
import{a as t}from"./chunks/chunk-K2O7XZYV.js";import"./chunks/chunk-SLQJ4X4M.js";import"./chunks/chunk-J43S6BGA.js";var i=t()?await import("./chunks/post-YZSDZNAT.js"):await import("./chunks/main-B7WMZW47.js");await i.run();
//# sourceMappingURL=index.js.map
