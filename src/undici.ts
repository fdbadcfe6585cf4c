// undici, the parts this action uses, each loaded from its own file. undici's index also loads fetch, WebSocket,
// EventSource, the cache, the mocks and cookies, and its cookies read `globalThis.Headers`, which makes Node compile
// its own copy of undici: together about twice the CPU of these parts, at the start of every run that talks to a
// registry. The types are undici's own (src/undici-parts.d.ts only names the files).
import type * as Undici from 'undici';
import ClientClass from 'undici/lib/dispatcher/client.js';
import PoolClass from 'undici/lib/dispatcher/pool.js';
import AgentClass from 'undici/lib/dispatcher/agent.js';
import EnvHttpProxyAgentClass from 'undici/lib/dispatcher/env-http-proxy-agent.js';
import retryInterceptor from 'undici/lib/interceptor/retry.js';
import redirectInterceptor from 'undici/lib/interceptor/redirect.js';
import requestApi from 'undici/lib/api/api-request.js';

export type { Dispatcher, RetryHandler, buildConnector } from 'undici';

export const Client = ClientClass as typeof Undici.Client;
export type Client = Undici.Client;
export const Pool = PoolClass as typeof Undici.Pool;
export const Agent = AgentClass as typeof Undici.Agent;
export const EnvHttpProxyAgent = EnvHttpProxyAgentClass as typeof Undici.EnvHttpProxyAgent;
export const interceptors = {
  retry: retryInterceptor as typeof Undici.interceptors.retry,
  redirect: redirectInterceptor as typeof Undici.interceptors.redirect,
};

type RequestOptions = Omit<Undici.Dispatcher.RequestOptions, 'origin' | 'path' | 'method'> & {
  method?: Undici.Dispatcher.HttpMethod;
  dispatcher: Undici.Dispatcher;
};

/**
 * undici's `request(url, opts)` over `opts.dispatcher`: the URL split into origin and path (with its query) as undici's
 * own request() does; GET unless `method` says otherwise.
 */
export function request(url: string, opts: RequestOptions): Promise<Undici.Dispatcher.ResponseData> {
  const { dispatcher, ...rest } = opts;
  const u = new URL(url);
  const send = requestApi as (
    this: Undici.Dispatcher,
    o: Undici.Dispatcher.RequestOptions,
  ) => Promise<Undici.Dispatcher.ResponseData>;
  return send.call(dispatcher, {
    ...rest,
    origin: u.origin,
    path: u.search ? `${u.pathname}${u.search}` : u.pathname,
    method: rest.method ?? 'GET',
  });
}
