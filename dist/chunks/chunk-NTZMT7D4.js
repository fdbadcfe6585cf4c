import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);
var r="docker.io",e="registry-1.docker.io",s="https://index.docker.io/v1/",i=[r,"index.docker.io",e,"registry.hub.docker.com"];function n(o){let t=o.trim().toLowerCase();return i.includes(t)?r:t}function c(o){return n(o)===r?e:o}export{r as a,e as b,s as c,n as d,c as e};
//# sourceMappingURL=chunk-NTZMT7D4.js.map
