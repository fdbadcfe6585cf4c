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
 * One GET with releaseHostDispatcher's behaviour, the body as text. `via` is every URL visited, the final one last
 * (undici's redirect history).
 */
export async function getText(url: string): Promise<{ status: number; body: string; via: URL[] }> {
  const dispatcher = releaseHostDispatcher();
  try {
    const response = await request(url, { dispatcher, headersTimeout: 30_000, bodyTimeout: 30_000 });
    const body = await response.body.text();
    const via = (response.context as { history?: URL[] } | undefined)?.history ?? [];
    return { status: response.statusCode, body, via };
  } finally {
    await dispatcher.close();
  }
}
