import { parseChallenge } from './challenge.js';
import { RegistryError } from './errors.js';
import { errorFromAnswer, type HttpAnswer, type Send } from './http.js';
import type { PingResult, RegistryAccess } from './types.js';

/**
 * What a registry told a job about its auth: the scheme (from the first answer to `GET /v2/`) and the tokens per scope.
 * Kept for every client of the job's session with the registry (src/registry/session.ts), so that a later stage
 * neither pings nor fetches a token again. A failed ping or token fetch is not kept.
 */
export interface AuthState {
  ping?: Promise<PingResult>;
  tokens: Map<string, Promise<string>>;
}

/** An AuthState that knows nothing yet. */
export function freshAuthState(): AuthState {
  return { tokens: new Map() };
}

/** The scheme a 401 asked for in its `WWW-Authenticate` challenge: a Bearer realm, else Basic. */
function challengedScheme(a: HttpAnswer): PingResult {
  const c = parseChallenge(a.headers['www-authenticate']);
  if (c?.scheme === 'bearer' && c.params.realm) {
    return { scheme: 'bearer', realm: c.params.realm, service: c.params.service };
  }
  return { scheme: 'basic', realm: c?.params.realm };
}

/**
 * The auth layer: learns the scheme from one `GET /v2/`, then sends Basic credentials, or a Bearer token per scope
 * (fetched once, shared by concurrent requests, fetched once more after a 401), or nothing.
 */
export class Auth {
  constructor(
    private readonly access: RegistryAccess,
    private readonly base: string,
    private readonly send: Send,
    private readonly state: AuthState = freshAuthState(),
  ) {}

  /** `GET /v2/` once per session; the scheme and realm it asked for. */
  ping(): Promise<PingResult> {
    if (!this.state.ping) {
      const ping = this.#doPing();
      this.state.ping = ping;
      ping.catch(() => {
        if (this.state.ping === ping) this.state.ping = undefined;
      });
    }
    return this.state.ping;
  }

  /**
   * The credentials for a first `GET /v2/` (the credential check) while the scheme is still unknown: Basic
   * credentials go with it, so that a Basic registry answers in one round trip instead of a challenge and a second
   * request. Only over TLS that verifies the registry they are for; undefined otherwise, or without credentials.
   */
  upFront(): string | undefined {
    if (this.state.ping || this.access.scheme !== 'https' || this.access.trust === 'skip-verify') return undefined;
    return this.#basic();
  }

  /**
   * Learns the scheme from the answer to a `GET /v2/` sent with upFront()'s credentials: a 200 means Basic (or no
   * auth, where the header does no harm), a 401 names the scheme in its challenge. Undefined for any other answer.
   */
  learn(a: HttpAnswer): PingResult | undefined {
    const p: PingResult | undefined =
      a.status === 200 ? { scheme: 'basic' } : a.status === 401 ? challengedScheme(a) : undefined;
    if (p && !this.state.ping) this.state.ping = Promise.resolve(p);
    return p;
  }

  async #doPing(): Promise<PingResult> {
    const url = `${this.base}/v2/`;
    const a = await this.send('GET', url);
    if (a.status === 200) return { scheme: 'none' };
    if (a.status === 401) return challengedScheme(a);
    if (a.status === 400 && /HTTP request to an HTTPS server/i.test(a.body.toString())) {
      throw new RegistryError(`${this.access.host} speaks HTTPS, not plain HTTP: unset insecure-registry.`, {
        request: `GET ${url}`,
        status: 400,
      });
    }
    throw errorFromAnswer(a, `GET ${url}`);
  }

  /** The Authorization header for a request in `scope` (undefined when the registry wants none). */
  async authorization(scope?: string): Promise<string | undefined> {
    const p = await this.ping();
    if (p.scheme === 'basic') return this.#basic();
    if (p.scheme === 'bearer') return `Bearer ${await this.#token(p, scope, undefined)}`;
    return undefined;
  }

  /** After a 401 with header `used`: fetch a fresh token for `scope` (once; concurrent callers share it). */
  async reauthorize(scope: string | undefined, used: string | undefined): Promise<string | undefined> {
    const p = await this.ping();
    if (p.scheme !== 'bearer') return undefined; // a rejected password does not get better by resending it
    return `Bearer ${await this.#token(p, scope, used?.replace(/^Bearer /, ''))}`;
  }

  #basic(): string | undefined {
    const { username, password } = this.access;
    if (!username && !password) return undefined;
    return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  }

  async #token(p: PingResult, scope: string | undefined, stale: string | undefined): Promise<string> {
    const key = scope ?? '';
    const tokens = this.state.tokens;
    let cached = tokens.get(key);
    if (cached && stale !== undefined && (await cached.catch(() => undefined)) === stale) cached = undefined;
    if (!cached) {
      const fetching = this.#fetchToken(p, scope);
      cached = fetching;
      tokens.set(key, fetching);
      fetching.catch(() => {
        if (tokens.get(key) === fetching) tokens.delete(key); // a failed fetch is not cached
      });
    }
    return cached;
  }

  async #fetchToken(p: PingResult, scope: string | undefined): Promise<string> {
    const url = new URL(p.realm as string);
    if (p.service) url.searchParams.set('service', p.service);
    if (scope) url.searchParams.set('scope', scope);
    const basic = this.#basic();
    const who = this.access.username ? `user ${this.access.username}` : 'an anonymous client';
    let a;
    try {
      a = await this.send('GET', url.href, basic ? { authorization: basic } : {});
    } catch (err) {
      const e = err as RegistryError;
      throw new RegistryError(`Could not get a token from the token issuer of ${this.access.host}: ${e.message}`, {
        request: e.request,
        code: e.code,
        cause: err,
      });
    }
    if (a.status !== 200) {
      const e = errorFromAnswer(a, `GET ${url.href}`);
      const why =
        a.status === 401
          ? `rejected the credentials of ${who}`
          : a.status === 403
            ? `refused a token to ${who}`
            : `could not issue a token to ${who}`;
      throw new RegistryError(`The token issuer of ${this.access.host} ${why}: ${e.message}`, {
        request: e.request,
        status: e.status,
        code: e.code,
        retryAfterMs: e.retryAfterMs,
      });
    }
    const doc = JSON.parse(a.body.toString()) as { token?: string; access_token?: string };
    const token = doc.token ?? doc.access_token;
    if (!token)
      throw new RegistryError(`The token issuer at ${url.origin} answered without a token.`, {
        request: `GET ${url.href}`,
      });
    return token;
  }
}
