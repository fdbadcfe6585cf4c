import { oneLine } from '../untrusted.js';
import { retryAfterMs } from './retry.js';

/**
 * A failed registry request: what was asked (`request`, e.g. `GET https://h/v2/app/manifests/1`), the HTTP status
 * when there was an answer, the registry's own error `code` (MANIFEST_UNKNOWN, BLOB_UNKNOWN, UNAUTHORIZED, DENIED,
 * TOOMANYREQUESTS, …) or the network error's code (ECONNREFUSED, UND_ERR_HEADERS_TIMEOUT, a TLS code …). The message
 * is one plain line wherever it goes: it quotes what a registry sent (error bodies, headers, a token realm's URL).
 */
export class RegistryError extends Error {
  readonly code?: string;
  readonly status?: number;
  readonly request: string;
  /** The wait the registry asked for (`Retry-After`) on its last answer, in milliseconds. */
  readonly retryAfterMs?: number;

  constructor(
    message: string,
    opts: { request: string; code?: string; status?: number; retryAfterMs?: number; cause?: unknown },
  ) {
    super(oneLine(message), { cause: opts.cause });
    this.name = 'RegistryError';
    this.request = opts.request;
    this.code = opts.code;
    this.status = opts.status;
    this.retryAfterMs = opts.retryAfterMs;
  }
}

/** The first entry of a distribution error body (`{"errors":[{"code","message","detail"}]}`), if it is one. */
export function parseErrorBody(body: string): { code: string; message: string } | undefined {
  try {
    const doc = JSON.parse(body) as { errors?: Array<{ code?: unknown; message?: unknown }> };
    const first = doc.errors?.[0];
    if (first && typeof first.code === 'string') {
      return { code: first.code, message: typeof first.message === 'string' ? first.message : '' };
    }
  } catch {
    // not JSON: the caller falls back to the status line
  }
  return undefined;
}

/**
 * Turn an HTTP error answer into a RegistryError whose message says what the registry said to which request, and how
 * long it asked us to wait when it sent a `Retry-After` (seconds or an HTTP-date).
 */
export function errorFromResponse(status: number, body: string, request: string, retryAfter = ''): RegistryError {
  const parsed = parseErrorBody(body);
  const fallback: Record<number, string> = { 401: 'UNAUTHORIZED', 403: 'DENIED', 429: 'TOOMANYREQUESTS' };
  const code = parsed?.code ?? fallback[status];
  const said = parsed
    ? `${parsed.code}${parsed.message ? ` (${parsed.message})` : ''}`
    : body.trim().slice(0, 200) || 'no error body';
  const wait = retryAfterMs(retryAfter);
  const asked = wait === undefined ? '' : `; it asked to retry after ${Math.ceil(wait / 1000)} s`;
  return new RegistryError(`${request} answered ${status}: ${said}${asked}`, {
    request,
    status,
    code,
    retryAfterMs: wait,
  });
}

const NO_ANSWER = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);
const OUT_OF_TIME = new Set(['UND_ERR_ABORTED', 'ABORT_ERR', 'AbortError', 'TimeoutError']);

/**
 * Why a failed request proves nothing about what the registry holds, in a few words for a headline: 'registry busy'
 * (429, 503), 'no answer' (timeouts), 'time bound ran out', 'connection failed', 'TLS problem', 'access denied',
 * 'registry error' (other 5xx), 'unexpected answer'. Undefined for a 404: the registry said it does not have it.
 */
export function faultReason(err: RegistryError): string | undefined {
  const { status, code = '' } = err;
  if (status === 404) return undefined;
  if (status === 429 || status === 503 || code === 'TOOMANYREQUESTS') return 'registry busy';
  if (status === 401 || status === 403) return 'access denied';
  if (status !== undefined) return status >= 500 ? 'registry error' : 'unexpected answer';
  if (NO_ANSWER.has(code)) return 'no answer';
  if (OUT_OF_TIME.has(code)) return 'time bound ran out';
  if (describeTlsError(err, '')) return 'TLS problem';
  return 'connection failed';
}

const TLS_UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
]);

/** Walk `err` and its `cause` chain; return the first object with a string `code`. */
function errorCode(err: unknown): { code: string; message: string; reason?: string } | undefined {
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const { code, message, reason } = e as { code?: unknown; message?: unknown; reason?: unknown };
    const msg = typeof message === 'string' ? message : '';
    if (/wrong version number|packet length too long/i.test(msg)) return { code: 'EPROTO', message: msg };
    if (typeof code === 'string' && !code.startsWith('UND_ERR_REQ_RETRY')) {
      return { code, message: msg, reason: typeof reason === 'string' ? reason : undefined };
    }
  }
  return undefined;
}

/**
 * Explain a Node TLS error met while talking to `host` in one plain sentence that says what to do
 * (x509 verification, expiry, wrong name, or HTTPS spoken to a plain-HTTP server). Undefined when it is no TLS error.
 */
export function describeTlsError(err: unknown, host: string): string | undefined {
  const e = errorCode(err);
  if (!e) return undefined;
  if (TLS_UNTRUSTED.has(e.code)) {
    return `The certificate of ${host} is signed by a CA this runner does not trust (${e.code}): give that CA in ca-cert, or set skip-tls-verify.`;
  }
  switch (e.code) {
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
      return `${host} presents a self-signed certificate (${e.code}): give that certificate in ca-cert, or set skip-tls-verify.`;
    case 'CERT_HAS_EXPIRED':
      return `The certificate of ${host} has expired (${e.code}): the registry needs a renewed certificate (or set skip-tls-verify).`;
    case 'CERT_NOT_YET_VALID':
      return `The certificate of ${host} is not valid yet (${e.code}): check the clocks, or the certificate's start date.`;
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `The certificate of ${host} is not issued for that name (${oneLine(e.reason ?? e.message)}): use a host name the certificate lists, or reissue it.`;
    case 'EPROTO':
    case 'ERR_SSL_WRONG_VERSION_NUMBER':
      return `${host} does not speak TLS on that port (${e.code}, wrong version number): it looks like a plain-HTTP registry, so set insecure-registry: true.`;
  }
  return undefined;
}

const NETWORK_WORDS: Record<string, string> = {
  ECONNREFUSED: 'nothing accepts connections there (connection refused)',
  ENOTFOUND: 'the host name does not resolve',
  EAI_AGAIN: 'the host name does not resolve (DNS lookup failed)',
  ECONNRESET: 'the connection was reset',
  EPIPE: 'the connection was closed while sending',
  UND_ERR_SOCKET: 'the server closed the connection',
  UND_ERR_CONNECT_TIMEOUT: 'connecting timed out',
  UND_ERR_HEADERS_TIMEOUT: 'no answer came within the request timeout',
  UND_ERR_BODY_TIMEOUT: 'the answer stalled within the request timeout',
  BODY_INTERRUPTED: 'the connection broke while the answer was read, every time it was asked again',
  UND_ERR_ABORTED: "the stage's time bound ran out",
  ABORT_ERR: "the stage's time bound ran out",
  TimeoutError: "the stage's time bound ran out",
};

/** Turn a failed request (network, TLS, timeout, abort) into a RegistryError with one plain sentence. */
export function describeRequestError(err: unknown, request: string, host: string): RegistryError {
  if (err instanceof RegistryError) return err;
  const tls = describeTlsError(err, host);
  const e = errorCode(err);
  const name = (err as { name?: string } | undefined)?.name;
  const words =
    tls ??
    `${request} failed: ${NETWORK_WORDS[e?.code ?? ''] ?? NETWORK_WORDS[name ?? ''] ?? (err instanceof Error ? err.message : String(err))}${e?.code ? ` (${e.code})` : ''}.`;
  return new RegistryError(words, { request, code: e?.code ?? name, cause: err });
}
