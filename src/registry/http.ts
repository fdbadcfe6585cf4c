import { request, type Dispatcher } from '../undici.js';
import { describeRequestError, errorFromResponse, type RegistryError } from './errors.js';
import { BODY_INTERRUPTED, DEFAULT_RETRY, backoffMs, pause, type RetrySettings } from './retry.js';

/** One answer, body read in full (empty for HEAD). */
export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** Sends one request through a dispatcher; network, TLS and timeout failures come back as RegistryError. */
export type Send = (method: 'GET' | 'HEAD', url: string, headers?: Record<string, string>) => Promise<HttpAnswer>;

/**
 * Make the bottom of the client: `send` over `dispatcher`, failing every request once `signal` (the stage bound)
 * aborts, even while the retry layer is waiting out a Retry-After. A GET whose answer broke off in its body is sent
 * again from the start (after the usual backoff, at most `retry.maxRetries` times): the one retry undici's
 * interceptor cannot do (see GuardedAttempt in src/registry/retry.ts).
 */
export function makeSend(
  dispatcher: Dispatcher,
  host: string,
  signal?: AbortSignal,
  retry: RetrySettings = DEFAULT_RETRY,
  timeoutMs?: number,
): Send {
  // Per request, so that clients sharing connections (src/registry/session.ts) each keep their own timeout.
  const timeouts = timeoutMs === undefined ? {} : { headersTimeout: timeoutMs, bodyTimeout: timeoutMs };
  return async (method, url, headers = {}) => {
    const what = `${method} ${url}`;
    for (let attempt = 1; ; attempt++) {
      try {
        const answer = request(url, { method, headers, dispatcher, signal, ...timeouts }).then(async (res) => ({
          status: res.statusCode,
          headers: res.headers,
          body: Buffer.from(await res.body.arrayBuffer()),
        }));
        return await untilAborted(answer, signal);
      } catch (err) {
        const broke = (err as { code?: unknown }).code === BODY_INTERRUPTED;
        if (!broke || attempt > retry.maxRetries) throw describeRequestError(err, what, host);
        if (!(await pause(backoffMs(attempt, retry), signal))) throw describeRequestError(signal?.reason, what, host);
      }
    }
  };
}

function untilAborted<T>(p: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return p;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason ?? new Error('aborted'));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * The RegistryError for an answer that is not the one asked for: the registry's own error code and message, and the
 * wait it asked for (`Retry-After`) when it sent one.
 */
export function errorFromAnswer(a: HttpAnswer, request: string): RegistryError {
  return errorFromResponse(a.status, a.body.toString(), request, header(a, 'retry-after'));
}

/** A header's single value ('' when absent). */
export function header(a: HttpAnswer, name: string): string {
  const v = a.headers[name.toLowerCase()];
  return (Array.isArray(v) ? v[0] : v) ?? '';
}
