import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);
var i=class extends Error{details;file;line;constructor(e,r={}){super(e),this.name="ActionError",this.details=r.details,this.file=r.file,this.line=r.line}};function t(n){return n.length===1?new i(n[0]):new i(`${n.length} inputs are wrong: ${n.join(" ")}`,{details:n.map(e=>`- ${e}`).join(`
`)})}export{i as a,t as b};
//# sourceMappingURL=chunk-B6J4NWO6.js.map
