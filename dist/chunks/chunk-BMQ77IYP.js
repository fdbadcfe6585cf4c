import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);
var e=class extends Error{details;file;line;constructor(t,i={}){super(t),this.name="ActionError",this.details=i.details,this.file=i.file,this.line=i.line}};function r(n,t){return n.length===1?new e(n[0]):new e(`${n.length} ${t}: ${n.join(" ")}`,{details:n.map(i=>`- ${i}`).join(`
`)})}export{e as a,r as b};
//# sourceMappingURL=chunk-BMQ77IYP.js.map
