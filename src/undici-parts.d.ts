// The files of undici that src/undici.ts loads one by one (CommonJS: the default import is module.exports); their
// values get undici's own types there.
declare module 'undici/lib/dispatcher/client.js' {
  const value: unknown;
  export default value;
}
declare module 'undici/lib/dispatcher/pool.js' {
  const value: unknown;
  export default value;
}
declare module 'undici/lib/dispatcher/agent.js' {
  const value: unknown;
  export default value;
}
declare module 'undici/lib/dispatcher/env-http-proxy-agent.js' {
  const value: unknown;
  export default value;
}
declare module 'undici/lib/interceptor/retry.js' {
  const value: unknown;
  export default value;
}
declare module 'undici/lib/interceptor/redirect.js' {
  const value: unknown;
  export default value;
}
declare module 'undici/lib/api/api-request.js' {
  const value: unknown;
  export default value;
}
