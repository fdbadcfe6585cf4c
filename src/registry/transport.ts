import type { SecureContext } from 'node:tls';
import { EnvHttpProxyAgent, interceptors, type Dispatcher } from 'undici';
import { DEFAULT_RETRY, guardAttempts, retryDecision, type RetrySettings } from './retry.js';
import { trustedContext } from './roots.js';
import type { RegistryAccess, RegistryClientOptions } from './types.js';

/** Status codes worth a retry: timeouts, rate limits and every server error. */
export const RETRY_STATUS_CODES = [408, 429, ...Array.from({ length: 100 }, (_, i) => 500 + i)];
/** Network errors worth a retry: only a connection reset or closed under us (a refused connection is not retried). */
export const RETRY_ERROR_CODES = ['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET'];

/**
 * The TLS options for one registry: the roots werf trusts (the system bundle, plus its CA for 'ca'), or no
 * verification for it alone. The roots come as one cached SecureContext (src/registry/roots.ts): parsing ~140 roots on
 * every new connection would cost more than the request (Distribution closes the connection after each blob HEAD).
 */
export function tlsOptions(access: RegistryAccess): { secureContext?: SecureContext; rejectUnauthorized?: boolean } {
  if (access.scheme === 'http') return {};
  if (access.trust === 'skip-verify') return { rejectUnauthorized: false };
  return { secureContext: trustedContext(access.trust === 'ca' ? access.ca : undefined) };
}

/** A transport plus the count of requests that reached the wire (each retry and token fetch counts). */
export interface Transport {
  dispatcher: Dispatcher;
  requestCount(): number;
  close(): Promise<void>;
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
 * every wait cut short by the stage's signal; a body that broke off left to the caller to fetch again).
 */
export function createTransport(access: RegistryAccess, opts: RegistryClientOptions = {}): Transport {
  const timeout = opts.timeoutMs ?? 30_000;
  const tls = tlsOptions(access);
  const agent = new EnvHttpProxyAgent({
    ...opts.proxy,
    connections: opts.concurrency ?? 8,
    // HTTP/2 where the registry offers it (Distribution over TLS does): one handshake, requests multiplexed, instead
    // of a new TLS connection after every blob HEAD (HTTP/1.1 answers those with Connection: close).
    allowH2: true,
    keepAliveTimeout: 30_000,
    headersTimeout: timeout,
    bodyTimeout: timeout,
    connect: { ...tls, timeout },
    // ProxyAgent takes the target's TLS settings from requestTls (the tunnel's far end is the registry).
    requestTls: tls,
  });
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
  return { dispatcher, requestCount: () => count, close: () => agent.close() };
}
