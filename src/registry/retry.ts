import type { IncomingHttpHeaders } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Dispatcher, RetryHandler } from '../undici.js';

/** The code of a request whose answer broke off after its headers (the connection reset in the middle of the body). */
export const BODY_INTERRUPTED = 'BODY_INTERRUPTED';

/** The retry tuning a client is made with (see RegistryClientOptions.retry); every field has a default. */
export interface RetrySettings {
  maxRetries: number;
  minDelayMs: number;
  maxDelayMs: number;
  maxRetryAfterMs: number;
}

/** The defaults: 4 retries, 250 ms doubling up to 10 s, a Retry-After of up to 10 s honoured. */
export const DEFAULT_RETRY: RetrySettings = {
  maxRetries: 4,
  minDelayMs: 250,
  maxDelayMs: 10_000,
  maxRetryAfterMs: 10_000,
};

/**
 * A `Retry-After` header as milliseconds from `now`: delay-seconds or an HTTP-date (RFC 9110 10.2.3). Undefined when
 * absent or unreadable; 0 for a date in the past.
 */
export function retryAfterMs(header: string | string[] | undefined, now = Date.now()): number | undefined {
  const value = (Array.isArray(header) ? header[0] : header)?.trim();
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  // An HTTP-date names its month ("Sun, 06 Nov 1994 08:49:37 GMT"); Date.parse alone would take "-5" or "1.5" too.
  const at = /[a-z]{3}/i.test(value) ? Date.parse(value) : Number.NaN;
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** The exponential backoff before retry number `counter` (1 = the first retry), capped at maxDelayMs. */
export function backoffMs(counter: number, s: Pick<RetrySettings, 'minDelayMs' | 'maxDelayMs'>): number {
  return Math.min(s.minDelayMs * 2 ** Math.max(0, counter - 1), s.maxDelayMs);
}

/**
 * Waits `ms`; resolves true when the time passed, false at once when `signal` aborts first. The timer goes with the
 * abort, so a stage that ran out of time leaves nothing behind that keeps the process alive.
 */
export function pause(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

type RetryError = Error & { code?: string; statusCode?: number; headers?: Record<string, string | string[]> };

/**
 * The decision and the timer of undici's retry interceptor (its `retry` option), for the registry client. It decides
 * as undici's default does (methods, status and error codes, maxRetries, exponential backoff, Retry-After) and adds
 * what undici's default lacks:
 * - a `Retry-After` longer than `maxRetryAfterMs` is not waited for: the registry is busy, its answer (429/503) is
 *   final and reaches the caller at once (undici's default waits maxTimeout and tries again);
 * - the wait ends when `signal` (the stage's deadline) aborts, and the request fails then (undici's default timer
 *   runs on after the stage gave up, keeping the process alive up to the cap);
 * - an answer whose body broke off (BODY_INTERRUPTED, see GuardedAttempt) is not resumed: the caller repeats the GET.
 */
export function retryDecision(settings: RetrySettings, signal?: AbortSignal): RetryHandler.RetryCallback {
  return (err, { state, opts }, done) => {
    const { code, statusCode, headers } = err as RetryError;
    const o = opts.retryOptions ?? {};
    const give = () => done(err);
    if (signal?.aborted) return give();
    if (code && code !== 'UND_ERR_REQ_RETRY' && !o.errorCodes?.includes(code)) return give();
    if (!o.methods?.includes(opts.method)) return give();
    if (statusCode !== undefined && !o.statusCodes?.includes(statusCode)) return give();
    if (state.counter > settings.maxRetries) return give();
    const asked = retryAfterMs(headers?.['retry-after']);
    if (asked !== undefined && asked > settings.maxRetryAfterMs) return give();
    const wait = asked !== undefined && asked > 0 ? asked : backoffMs(state.counter, settings);
    void pause(wait, signal).then((waited) => (waited ? done(null) : give()));
  };
}

/**
 * One attempt as undici's retry interceptor sees it, with the two things that interceptor needs and does not get
 * from undici itself:
 * - An error after the answer's headers (a reset in the middle of a manifest or blob body) becomes BODY_INTERRUPTED.
 *   Why: undici's retry resumes such a body with a Range request; Distribution answers manifests with a full 200,
 *   which undici refuses ("server does not support the range header and the payload was partially consumed"), and
 *   the bytes already passed on cannot be taken back (undici issue 3356). undici has no option to restart from the
 *   beginning instead, so retryDecision declines the resume and the client's send repeats the whole GET
 *   (src/registry/http.ts). A body timeout keeps its own code: a registry that stalls is not asked again.
 * - The end of an answer is held while the retry layer has paused it to decide: undici's HTTP/1.1 parser ignores the
 *   pause for a HEAD answer (no body to hold back), so without this the end of a 503 to a blob HEAD overtakes the
 *   decision to retry it and the request fails with a TypeError inside undici.
 */
class GuardedAttempt implements Dispatcher.DispatchHandler, Dispatcher.DispatchController {
  #inner?: Dispatcher.DispatchController;
  #paused = false;
  #started = false;
  #heldEnd?: IncomingHttpHeaders;

  constructor(private readonly handler: Dispatcher.DispatchHandler) {}

  // The controller the layers above see: this attempt, over the connection's own controller.
  get aborted(): boolean {
    return this.#inner?.aborted ?? false;
  }
  get paused(): boolean {
    return this.#paused || (this.#inner?.paused ?? false);
  }
  get reason(): Error | null {
    return this.#inner?.reason ?? null;
  }
  get rawHeaders() {
    return this.#inner?.rawHeaders;
  }
  get rawTrailers() {
    return this.#inner?.rawTrailers;
  }
  abort(reason: Error): void {
    this.#inner?.abort(reason);
  }
  pause(): void {
    this.#paused = true;
    this.#inner?.pause();
  }
  resume(): void {
    this.#paused = false;
    this.#inner?.resume();
    const trailers = this.#heldEnd;
    this.#heldEnd = undefined;
    if (trailers) this.handler.onResponseEnd?.(this, trailers);
  }

  onRequestStart(controller: Dispatcher.DispatchController, context: unknown): void {
    this.#inner = controller;
    this.handler.onRequestStart?.(this, context);
  }

  onRequestUpgrade(_c: Dispatcher.DispatchController, status: number, headers: IncomingHttpHeaders, socket: Duplex) {
    this.handler.onRequestUpgrade?.(this, status, headers, socket);
  }

  onResponseStart(_c: Dispatcher.DispatchController, status: number, headers: IncomingHttpHeaders, message?: string) {
    this.#started = true;
    this.handler.onResponseStart?.(this, status, headers, message);
  }

  onResponseData(_c: Dispatcher.DispatchController, chunk: Buffer): void {
    this.handler.onResponseData?.(this, chunk);
  }

  onResponseEnd(_c: Dispatcher.DispatchController, trailers: IncomingHttpHeaders): void {
    if (this.#paused) this.#heldEnd = trailers;
    else this.handler.onResponseEnd?.(this, trailers);
  }

  onResponseError(controller: Dispatcher.DispatchController, error: Error): void {
    const code = (error as { code?: string }).code;
    const broke = this.#started && !controller.aborted && code !== 'UND_ERR_BODY_TIMEOUT';
    this.handler.onResponseError?.(this, broke ? bodyInterrupted(error) : error);
  }
}

/** The interceptor that wraps every attempt below undici's retry interceptor in a GuardedAttempt. */
export const guardAttempts: Dispatcher.DispatcherComposeInterceptor = (dispatch) => (opts, handler) =>
  dispatch(opts, new GuardedAttempt(handler));

function bodyInterrupted(cause: Error): Error {
  return Object.assign(new Error(`the answer broke off in its body: ${cause.message}`, { cause }), {
    code: BODY_INTERRUPTED,
  });
}
