import { Auth } from './auth.js';
import { apiHost } from './docker-hub.js';
import { pullScope } from './challenge.js';
import { RegistryError } from './errors.js';
import { errorFromAnswer, header, makeSend, type HttpAnswer } from './http.js';
import { MANIFEST_ACCEPT, sha256Digest } from './media.js';
import { sharedSession } from './session.js';
import { atMost, openingFirst } from './pacing.js';
import { H2_STREAMS, createTransport, retrySettings } from './transport.js';
import type { FetchedManifest, RegistryAccess, RegistryClient, RegistryClientOptions } from './types.js';

/**
 * A client for one registry over the distribution HTTP API, built as a stack: auth (ping, Basic or Bearer per scope)
 * over retry (undici's interceptor) over TLS/proxy/keep-alive (undici EnvHttpProxyAgent). Close it when done.
 */
export function createRegistryClient(access: RegistryAccess, opts: RegistryClientOptions = {}): RegistryClient {
  // Docker Hub's API answers at registry-1.docker.io; credentials and trust stay docker.io's.
  const base = `${access.scheme}://${apiHost(access.host)}`;
  const session = opts.shared ? sharedSession(access) : undefined;
  const transport = createTransport(access, opts, session?.pool);
  const send = makeSend(transport.dispatcher, access.host, opts.signal, retrySettings(opts), opts.timeoutMs);
  const auth = new Auth(access, base, send, session?.auth);

  // The answer to a credential check that was not accepted, as the error the user reads.
  function refusal(a: HttpAnswer, url: string): RegistryError {
    const e = errorFromAnswer(a, `GET ${url}`);
    const who = access.username ? `user ${access.username}` : 'an anonymous client';
    const verdict = a.status === 401 || a.status === 403 ? 'did not accept' : 'did not answer the credential check of';
    return new RegistryError(`${access.host} ${verdict} ${who}: ${e.message}`, {
      request: e.request,
      status: e.status,
      code: e.code,
      retryAfterMs: e.retryAfterMs,
    });
  }

  // While no connection to the registry is open, the first request opens one alone and a burst behind it waits: then
  // it multiplexes on that connection (HTTP/2) instead of opening one each (undici's pool opens a connection per
  // request in flight until a connection says which protocol it speaks). No more requests in flight than one HTTP/2
  // connection carries: more would make the pool open further connections for them.
  const origin = new URL(base).origin;
  const sendToRegistry = atMost(
    H2_STREAMS,
    openingFirst(() => transport.cold(origin), send),
  );

  // One request in `scope`, authorized; on a 401 the token is fetched once more and the request sent once more.
  async function authorized(method: 'GET' | 'HEAD', path: string, scope: string, extra: Record<string, string> = {}) {
    const url = `${base}${path}`;
    const first = await auth.authorization(scope);
    let a: HttpAnswer = await sendToRegistry(method, url, withAuth(extra, first));
    if (a.status === 401) {
      const again = await auth.reauthorize(scope, first);
      if (again) a = await sendToRegistry(method, url, withAuth(extra, again));
    }
    return { answer: a, request: `${method} ${url}` };
  }

  return {
    access,
    ping: () => auth.ping(),

    async checkCredentials(scope?: string) {
      const url = `${base}/v2/`;
      const upFront = auth.upFront();
      if (upFront) {
        // One round trip for a Basic registry (see Auth.upFront); a token registry challenges, and the token follows.
        const a = await send('GET', url, { authorization: upFront });
        const learned = auth.learn(a);
        if (a.status === 200) return;
        if (!learned) throw errorFromAnswer(a, `GET ${url}`); // as the ping would have
        if (learned.scheme !== 'bearer') throw refusal(a, url);
      }
      const p = await auth.ping();
      if (p.scheme === 'none') return; // the registry lets anyone in: nothing to reject
      const a = await send('GET', url, withAuth({}, await auth.authorization(scope)));
      if (a.status === 200) return;
      throw refusal(a, url);
    },

    async getManifest(repo, reference): Promise<FetchedManifest> {
      const path = `/v2/${repo}/manifests/${reference}`;
      const { answer: a, request } = await authorized('GET', path, pullScope(repo), { accept: MANIFEST_ACCEPT });
      if (a.status !== 200) throw errorFromAnswer(a, request);
      return {
        digest: header(a, 'docker-content-digest'),
        bodyDigest: sha256Digest(a.body),
        mediaType: header(a, 'content-type').split(';')[0]?.trim() ?? '',
        body: a.body,
      };
    },

    async headBlob(repo, digest) {
      const { answer: a, request } = await authorized('HEAD', `/v2/${repo}/blobs/${digest}`, pullScope(repo));
      if (a.status !== 200) throw blobError(a, request);
    },

    async getBlob(repo, digest) {
      const { answer: a, request } = await authorized('GET', `/v2/${repo}/blobs/${digest}`, pullScope(repo));
      if (a.status !== 200) throw blobError(a, request);
      return a.body;
    },

    requestCount: () => transport.requestCount(),
    close: () => transport.close(),
  };
}

// A HEAD answer carries no body, so the registry's code for a missing blob is named from the status.
function blobError(a: HttpAnswer, request: string): RegistryError {
  if (a.status === 404) {
    const message = `${request} answered 404: BLOB_UNKNOWN (blob unknown to registry)`;
    return new RegistryError(message, { request, status: 404, code: 'BLOB_UNKNOWN' });
  }
  return errorFromAnswer(a, request);
}

function withAuth(headers: Record<string, string>, authorization: string | undefined): Record<string, string> {
  return authorization ? { ...headers, authorization } : headers;
}

/**
 * Check that `access`'s credentials are accepted (Basic, or a token for `scope`), over a client made for just this
 * (with `shared`, over the job's session with the registry, whose connection and auth stay for the later stages)
 * and closed after. Throws RegistryError with the registry's answer (401, TLS, network) in its message.
 */
export async function checkCredentials(
  access: RegistryAccess,
  opts: RegistryClientOptions & { scope?: string } = {},
): Promise<void> {
  const client = createRegistryClient(access, opts);
  try {
    await client.checkCredentials(opts.scope);
  } finally {
    await client.close();
  }
}
