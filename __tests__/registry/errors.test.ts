import { describe, expect, it } from '@jest/globals';
import {
  RegistryError,
  describeRequestError,
  describeTlsError,
  errorFromResponse,
  faultReason,
  parseErrorBody,
} from '../../src/registry/errors.js';

const tlsError = (code: string, extra: object = {}) => Object.assign(new Error(`boom ${code}`), { code }, extra);

describe('registry error answers', () => {
  it('carries the registry code, the status and the request', () => {
    const body = '{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{"Tag":"x"}}]}';
    const e = errorFromResponse(404, body, 'GET https://r:5000/v2/app/manifests/x');
    expect(e).toBeInstanceOf(RegistryError);
    expect(e).toMatchObject({
      code: 'MANIFEST_UNKNOWN',
      status: 404,
      request: 'GET https://r:5000/v2/app/manifests/x',
    });
    expect(e.message).toBe('GET https://r:5000/v2/app/manifests/x answered 404: MANIFEST_UNKNOWN (manifest unknown)');
  });

  it('names a code from the status when the body has none', () => {
    expect(errorFromResponse(401, '', 'GET u').code).toBe('UNAUTHORIZED');
    expect(errorFromResponse(403, '<html>', 'GET u')).toMatchObject({
      code: 'DENIED',
      message: 'GET u answered 403: <html>',
    });
    expect(errorFromResponse(429, '', 'GET u').code).toBe('TOOMANYREQUESTS');
    expect(errorFromResponse(500, '', 'GET u').code).toBeUndefined();
    expect(parseErrorBody('not json')).toBeUndefined();
  });

  it('what the registry sent is one plain line in the message: no line break, no legacy command', () => {
    const body = JSON.stringify({
      errors: [{ code: 'DENIED', message: 'no\n::set-output name=verified::true\r\n##[add-mask]x' }],
    });
    const e = errorFromResponse(403, body, 'GET https://r/token##[error]realm');
    expect(e.message).toBe(
      'GET https://r/token## [error]realm answered 403: DENIED (no ::set-output name=verified::true  ## [add-mask]x)',
    );
    expect(errorFromResponse(500, 'a\nb\r##[warning]c', 'GET u').message).toBe('GET u answered 500: a b ## [warning]c');
  });
});

describe('Retry-After in the error, and faults told from answers', () => {
  it('says how long the registry asked to wait, in seconds or as an HTTP-date', () => {
    const secs = errorFromResponse(429, '', 'GET u', '3600');
    expect(secs).toMatchObject({ retryAfterMs: 3_600_000, code: 'TOOMANYREQUESTS' });
    expect(secs.message).toBe('GET u answered 429: no error body; it asked to retry after 3600 s');
    const date = errorFromResponse(503, '', 'GET u', new Date(Date.now() + 120_000).toUTCString());
    expect(date.message).toMatch(/; it asked to retry after 1[12]\d s$/);
    expect(errorFromResponse(503, '', 'GET u', 'soon').message).toBe('GET u answered 503: no error body');
  });

  const e = (opts: { status?: number; code?: string }) => new RegistryError('x', { request: 'GET u', ...opts });
  it.each([
    [{ status: 404, code: 'MANIFEST_UNKNOWN' }, undefined],
    [{ status: 404, code: 'BLOB_UNKNOWN' }, undefined],
    [{ status: 429 }, 'registry busy'],
    [{ status: 503 }, 'registry busy'],
    [{ status: 500 }, 'registry error'],
    [{ status: 502 }, 'registry error'],
    [{ status: 401, code: 'UNAUTHORIZED' }, 'access denied'],
    [{ status: 403 }, 'access denied'],
    [{ status: 400 }, 'unexpected answer'],
    [{ code: 'UND_ERR_HEADERS_TIMEOUT' }, 'no answer'],
    [{ code: 'UND_ERR_BODY_TIMEOUT' }, 'no answer'],
    [{ code: 'TimeoutError' }, 'time bound ran out'],
    [{ code: 'ECONNRESET' }, 'connection failed'],
    [{ code: 'BODY_INTERRUPTED' }, 'connection failed'],
    [{ code: 'ECONNREFUSED' }, 'connection failed'],
    [{ code: 'CERT_HAS_EXPIRED' }, 'TLS problem'],
  ])('%j: %s', (opts, reason) => {
    expect(faultReason(e(opts))).toBe(reason);
  });
});

describe('describeTlsError', () => {
  const host = 'reg.example:5443';
  it.each([
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', /signed by a CA this runner does not trust.*ca-cert/],
    ['SELF_SIGNED_CERT_IN_CHAIN', /signed by a CA this runner does not trust/],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', /self-signed certificate/],
    ['CERT_HAS_EXPIRED', /has expired/],
    ['EPROTO', /does not speak TLS.*insecure-registry/],
  ])('explains %s in one sentence naming the host', (code, re) => {
    const text = describeTlsError(tlsError(code), host);
    expect(text).toMatch(re);
    expect(text).toContain(host);
    expect(text?.split('. ').length).toBe(1);
  });

  it('reads the altname reason, a nested cause, and wrong version number', () => {
    const alt = tlsError('ERR_TLS_CERT_ALTNAME_INVALID', {
      reason: "IP: 10.0.0.1 is not in the cert's list: 127.0.0.1",
    });
    expect(describeTlsError(alt, host)).toMatch(/not issued for that name \(IP: 10.0.0.1 is not in/);
    expect(describeTlsError(new TypeError('fetch failed', { cause: tlsError('CERT_HAS_EXPIRED') }), host)).toMatch(
      /expired/,
    );
    const wrongVersion = new Error('C0F7:error:0A00010B:SSL routines:ssl3_get_record:wrong version number');
    expect(describeTlsError(wrongVersion, host)).toMatch(/plain-HTTP registry/);
  });

  it('leaves other errors alone', () => {
    expect(describeTlsError(tlsError('ECONNREFUSED'), host)).toBeUndefined();
    expect(describeTlsError('text', host)).toBeUndefined();
  });
});

describe('describeRequestError', () => {
  it('names the request and the network cause', () => {
    const e = describeRequestError(tlsError('ECONNREFUSED'), 'GET http://127.0.0.1:9/v2/', '127.0.0.1:9');
    expect(e).toMatchObject({ code: 'ECONNREFUSED', request: 'GET http://127.0.0.1:9/v2/' });
    expect(e.message).toBe(
      'GET http://127.0.0.1:9/v2/ failed: nothing accepts connections there (connection refused) (ECONNREFUSED).',
    );
    const timeout = describeRequestError(new DOMException('t', 'TimeoutError'), 'HEAD u', 'h');
    expect(timeout.message).toMatch(/time bound ran out/);
  });

  it('prefers the TLS explanation and passes RegistryErrors through', () => {
    expect(describeRequestError(tlsError('CERT_HAS_EXPIRED'), 'GET u', 'h').message).toMatch(
      /certificate of h has expired/,
    );
    const re = new RegistryError('x', { request: 'GET u' });
    expect(describeRequestError(re, 'GET v', 'h')).toBe(re);
  });
});
