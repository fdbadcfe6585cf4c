import type { Socket } from 'node:net';
import type { SecureContext, TLSSocket } from 'node:tls';
import { Client, EnvHttpProxyAgent, Pool, interceptors, type Dispatcher, type buildConnector } from '../undici.js';
import { DEFAULT_RETRY, guardAttempts, retryDecision, type RetrySettings } from './retry.js';
import { trustedContext } from './roots.js';
import type { RegistryAccess, RegistryClientOptions } from './types.js';

/** Status codes worth a retry: timeouts, rate limits and every server error. */
const RETRY_STATUS_CODES = [408, 429, ...Array.from({ length: 100 }, (_, i) => 500 + i)];
/** Network errors worth a retry: only a connection reset or closed under us (a refused connection is not retried). */
const RETRY_ERROR_CODES = ['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET'];

/**
 * The TLS options for one registry: the roots werf trusts (the system bundle, plus its CA for 'ca'), or no
 * verification for it alone. The roots come as one cached SecureContext (src/registry/roots.ts): parsing ~140 roots on
 * every new connection would cost more than the request (Distribution closes the connection after each blob HEAD).
 */
function tlsOptions(access: RegistryAccess): { secureContext?: SecureContext; rejectUnauthorized?: boolean } {
  if (access.scheme === 'http') return {};
  if (access.trust === 'skip-verify') return { rejectUnauthorized: false };
  return { secureContext: trustedContext(access.trust === 'ca' ? access.ca : undefined) };
}

/** A transport plus the count of requests that reached the wire (each retry and token fetch counts). */
export interface Transport {
  dispatcher: Dispatcher;
  /** see ConnectionPool.cold */
  cold(origin: string): boolean;
  requestCount(): number;
  close(): Promise<void>;
}

/** Requests in flight on one HTTP/2 connection (undici's default for the streams of a session). */
export const H2_STREAMS = 100;
/** A new connection (TCP and TLS) that takes longer than this is no connection. */
const CONNECT_TIMEOUT_MS = 30_000;

/**
 * The connections to one registry: keep-alive, its TLS settings, the environment's proxies; HTTP/2 multiplexed on
 * one connection where the registry offers it. Several clients (stages) may share one (src/registry/session.ts).
 */
export interface ConnectionPool {
  agent: Dispatcher;
  /**
   * Whether a burst of requests to `origin` (`https://host:port`) should wait for one request to open a connection:
   * while none is open, unless the origin is known to speak HTTP/1.1 (which needs a connection per request anyway).
   */
  cold(origin: string): boolean;
  close(): Promise<void>;
  /** closes at once, failing what is still in flight */
  destroy(): Promise<void>;
}

/**
 * A client (one connection) that learns the protocol when it connects: on HTTP/2 it takes up to H2_STREAMS requests
 * at once over that connection; on HTTP/1.1, one at a time. undici 7 caps a client at its `pipelining` factor (1 by
 * default) whatever the protocol, so without this an HTTP/2 registry got a new TLS connection per request in flight.
 */
function protocolAwareClient(onOpen: (origin: string, socket: Socket, h2: boolean) => void) {
  return (origin: URL | string, opts: object): Dispatcher => {
    const connect = (opts as { connect: buildConnector.connector }).connect;
    const client: Client = new Client(origin, {
      ...opts,
      connect: (o, done) =>
        connect(o, (...answer) => {
          done(...answer);
          const socket = answer[1];
          if (!socket) return;
          const h2 = (socket as TLSSocket).alpnProtocol === 'h2';
          onOpen(new URL(String(origin)).origin, socket, h2);
          client.pipelining = h2 ? H2_STREAMS : 1;
        }),
    });
    return client;
  };
}

/**
 * The connection pool for one registry (see ConnectionPool). `timeoutMs` is the default per-request timeout; every
 * client passes its own with each request.
 */
export function connectionPool(access: RegistryAccess, opts: RegistryClientOptions = {}): ConnectionPool {
  const timeout = opts.timeoutMs ?? 30_000;
  const tls = tlsOptions(access);
  const openByOrigin = new Map<string, number>();
  const h2ByOrigin = new Map<string, boolean>();
  const onOpen = (origin: string, socket: Socket, h2: boolean) => {
    openByOrigin.set(origin, (openByOrigin.get(origin) ?? 0) + 1);
    h2ByOrigin.set(origin, h2);
    socket.once('close', () => openByOrigin.set(origin, (openByOrigin.get(origin) ?? 1) - 1));
  };
  const clientFactory = protocolAwareClient(onOpen);
  const agent = new EnvHttpProxyAgent({
    ...opts.proxy,
    connections: opts.concurrency ?? 8,
    // HTTP/2 where the registry offers it (Distribution over TLS does): one handshake, requests multiplexed, instead
    // of a new TLS connection after every blob HEAD (HTTP/1.1 answers those with Connection: close).
    allowH2: true,
    keepAliveTimeout: 30_000,
    headersTimeout: timeout,
    bodyTimeout: timeout,
    connect: { ...tls, timeout: Math.min(timeout, CONNECT_TIMEOUT_MS) },
    // ProxyAgent takes the target's TLS settings from requestTls (the tunnel's far end is the registry).
    requestTls: tls,
    factory: (origin, o) => new Pool(origin, { ...o, factory: clientFactory }),
  });
  return {
    agent,
    cold: (origin) => (openByOrigin.get(origin) ?? 0) === 0 && h2ByOrigin.get(origin) !== false,
    close: () => agent.close(),
    destroy: () => agent.destroy(),
  };
}

/** The client's retry tuning with the defaults filled in. */
export function retrySettings(opts: RegistryClientOptions = {}): RetrySettings {
  const r = opts.retry ?? {};
  return {
    maxRetries: r.maxRetries ?? DEFAULT_RETRY.maxRetries,
    minDelayMs: r.minDelayMs ?? DEFAULT_RETRY.minDelayMs,
    maxDelayMs: r.maxDelayMs ?? DEFAULT_RETRY.maxDelayMs,
    maxRetryAfterMs: r.maxRetryAfterMs ?? DEFAULT_RETRY.maxRetryAfterMs,
  };
}

/**
 * The lower layers of the stack: keep-alive connections with per-registry TLS, the environment's proxy settings
 * (EnvHttpProxyAgent, so NO_PROXY works), a per-request timeout, a counter at the wire, and undici's retry
 * interceptor on top (GET/HEAD only; 408/429/5xx and resets; backoff capped; a Retry-After honoured up to a bound;
 * every wait cut short by the stage's signal; a body that broke off left to the caller to fetch again). Over `pool`
 * when given (shared with other clients, which close it), else over connections of its own, closed with it.
 */
export function createTransport(
  access: RegistryAccess,
  opts: RegistryClientOptions = {},
  pool?: ConnectionPool,
): Transport {
  const connections = pool ?? connectionPool(access, opts);
  const agent = connections.agent;
  let count = 0;
  const counter: Dispatcher.DispatcherComposeInterceptor = (dispatch) => (o, handler) => {
    count++;
    return dispatch(o, handler);
  };
  const retry = retrySettings(opts);
  // compose(): the last interceptor is the outermost, so every retry passes through the counter. Blob GETs may be
  // redirected to the registry's storage; undici drops the Authorization header when the origin changes.
  const dispatcher = agent.compose(
    counter,
    guardAttempts, // per attempt, below the retry: see GuardedAttempt
    interceptors.redirect({ maxRedirections: 3 }),
    interceptors.retry({
      methods: ['GET', 'HEAD'],
      statusCodes: RETRY_STATUS_CODES,
      errorCodes: RETRY_ERROR_CODES,
      maxRetries: retry.maxRetries,
      minTimeout: retry.minDelayMs,
      maxTimeout: retry.maxDelayMs,
      timeoutFactor: 2,
      retryAfter: true,
      retry: retryDecision(retry, opts.signal),
      throwOnError: false, // the last answer reaches us with its body, so its registry error code is kept
    }),
  );
  return {
    dispatcher,
    cold: (origin) => connections.cold(origin),
    requestCount: () => count,
    close: () => (pool ? Promise.resolve() : connections.close()),
  };
}
