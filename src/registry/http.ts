import { request, type Dispatcher } from 'undici';
import { describeRequestError } from './errors.js';

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
 * aborts, even while the retry layer is waiting out a Retry-After.
 */
export function makeSend(dispatcher: Dispatcher, host: string, signal?: AbortSignal): Send {
  return async (method, url, headers = {}) => {
    const what = `${method} ${url}`;
    try {
      const answer = request(url, { method, headers, dispatcher, signal }).then(async (res) => ({
        status: res.statusCode,
        headers: res.headers,
        body: Buffer.from(await res.body.arrayBuffer()),
      }));
      return await untilAborted(answer, signal);
    } catch (err) {
      throw describeRequestError(err, what, host);
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

/** A header's single value ('' when absent). */
export function header(a: HttpAnswer, name: string): string {
  const v = a.headers[name.toLowerCase()];
  return (Array.isArray(v) ? v[0] : v) ?? '';
}
