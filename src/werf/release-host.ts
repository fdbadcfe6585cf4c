import { EnvHttpProxyAgent, interceptors, request } from 'undici';

/**
 * One GET through the runner's proxy settings (HTTPS_PROXY, NO_PROXY), following redirects as `curl -L` does (at most
 * 5) and retrying transient 5xx and resets. `via` is every URL visited, the final one last (undici's redirect history).
 */
export async function getText(url: string): Promise<{ status: number; body: string; via: URL[] }> {
  const dispatcher = new EnvHttpProxyAgent().compose(
    interceptors.retry({ maxRetries: 3, minTimeout: 500 }),
    interceptors.redirect({ maxRedirections: 5 }),
  );
  try {
    const response = await request(url, { dispatcher, headersTimeout: 30_000, bodyTimeout: 30_000 });
    const body = await response.body.text();
    const via = (response.context as { history?: URL[] } | undefined)?.history ?? [];
    return { status: response.statusCode, body, via };
  } finally {
    await dispatcher.close();
  }
}
