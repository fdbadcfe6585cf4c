import { EnvHttpProxyAgent, interceptors, request, type Dispatcher } from '../undici.js';

/**
 * The HTTP client for werf's release host: the runner's proxy settings (HTTPS_PROXY, NO_PROXY), redirects followed as
 * `curl -L` does (at most 5), transient 5xx and resets retried. The caller closes it.
 */
export function releaseHostDispatcher(): Dispatcher {
  return new EnvHttpProxyAgent().compose(
    interceptors.retry({ maxRetries: 3, minTimeout: 500 }),
    interceptors.redirect({ maxRedirections: 5 }),
  );
}

/**
 * One GET with releaseHostDispatcher's behaviour (redirects followed), the status and the body as text.
 */
export async function getText(url: string): Promise<{ status: number; body: string }> {
  const dispatcher = releaseHostDispatcher();
  try {
    const response = await request(url, { dispatcher, headersTimeout: 30_000, bodyTimeout: 30_000 });
    return { status: response.statusCode, body: await response.body.text() };
  } finally {
    await dispatcher.close();
  }
}
