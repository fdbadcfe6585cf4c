import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);
var r="docker.io",e="registry-1.docker.io",s="https://index.docker.io/v1/",i=[r,"index.docker.io",e,"registry.hub.docker.com"];function n(o){let t=o.trim().toLowerCase();return i.includes(t)?r:t}function c(o){return n(o)===r?e:o}export{r as a,s as b,n as c,c as d};
//# sourceMappingURL=chunk-Y4NU4E3V.js.map
