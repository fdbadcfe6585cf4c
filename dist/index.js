import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);
import{a as t}from"./chunks/chunk-7BIPEVSV.js";import"./chunks/chunk-3227IOX6.js";import"./chunks/chunk-J43S6BGA.js";var i=t()?await import("./chunks/post-PKQPVDVK.js"):await import("./chunks/main-HZWS4XAD.js");await i.run();
//# sourceMappingURL=index.js.map
