import { parseChallenge } from './challenge.js';
import { RegistryError } from './errors.js';
import { errorFromAnswer, type Send } from './http.js';
import type { PingResult, RegistryAccess } from './types.js';

/**
 * The auth layer: learns the scheme from one `GET /v2/`, then sends Basic credentials, or a Bearer token per scope
 * (fetched once, shared by concurrent requests, fetched once more after a 401), or nothing.
 */
export class Auth {
  #ping?: Promise<PingResult>;
  #tokens = new Map<string, Promise<string>>();

  constructor(
    private readonly access: RegistryAccess,
    private readonly base: string,
    private readonly send: Send,
  ) {}

  /** `GET /v2/` once per client; the scheme and realm it asked for. */
  ping(): Promise<PingResult> {
    this.#ping ??= this.#doPing();
    return this.#ping;
  }

  async #doPing(): Promise<PingResult> {
    const url = `${this.base}/v2/`;
    const a = await this.send('GET', url);
    if (a.status === 200) return { scheme: 'none' };
    if (a.status === 401) {
      const c = parseChallenge(a.headers['www-authenticate']);
      if (c?.scheme === 'bearer' && c.params.realm) {
        return { scheme: 'bearer', realm: c.params.realm, service: c.params.service };
      }
      return { scheme: 'basic', realm: c?.params.realm };
    }
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
    let cached = this.#tokens.get(key);
    if (cached && stale !== undefined && (await cached.catch(() => undefined)) === stale) cached = undefined;
    if (!cached) {
      cached = this.#fetchToken(p, scope);
      this.#tokens.set(key, cached);
      cached.catch(() => this.#tokens.delete(key)); // a failed fetch is not cached
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
