import {
  createHash,
  createPrivateKey,
  randomUUID,
  sign,
  timingSafeEqual,
  X509Certificate,
  type KeyObject,
} from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { runToolOk } from './processes.js';

/** A token service for a registry with `auth: token`, running in the test process. */
export interface TokenIssuer {
  /** The realm: 'http://127.0.0.1:PORT/token'. */
  url: string;
  /** The certificate of the signing key (the registry's rootcertbundle). */
  certPath: string;
  service: string;
  issuer: string;
  /** Mints a token for scopes like 'repository:demo:pull,push' (what the issuer would grant for them). */
  mint(scopes: string[]): string;
  /** How many token requests the issuer answered (granted or refused). */
  requests(): number;
  stop(): Promise<void>;
}

interface Access {
  type: string;
  name: string;
  actions: string[];
}

/** Parses 'type:name:actions' scopes ('repository:team/app:pull,push'); names may not hold ':' but hosts never appear. */
export function parseScopes(scopes: string[]): Access[] {
  return scopes
    .flatMap((s) => s.split(' '))
    .filter(Boolean)
    .map((s) => {
      const first = s.indexOf(':');
      const last = s.lastIndexOf(':');
      return { type: s.slice(0, first), name: s.slice(first + 1, last), actions: s.slice(last + 1).split(',') };
    });
}

/** The libtrust key id Distribution expects in the JWT `kid`: base32 of the first 240 bits of sha256(SPKI), 4-char groups. */
export function libtrustKeyId(publicKey: KeyObject): string {
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const hash = createHash('sha256').update(spki).digest().subarray(0, 30);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of hash) {
    value = ((value << 8) | byte) & 0xffff; // only the low bits not yet emitted matter
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out.match(/.{4}/g)!.join(':');
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Starts the token issuer on a free loopback port: it answers GET /token?service=..&scope=.. with an ES256 JWT for
 * exactly the requested scopes when the Basic credentials are username:password, for only their `pull` actions when
 * they are the read-only `puller`'s, and 401 otherwise. The JWT has the claims Distribution 2.8 checks (iss, aud =
 * service, nbf, exp, access) and kid = the libtrust key id.
 */
export async function startTokenIssuer(o: {
  dir: string;
  username: string;
  password: string;
  puller?: { username: string; password: string };
}): Promise<TokenIssuer> {
  const keyPath = join(o.dir, 'token.key');
  const certPath = join(o.dir, 'token.crt');
  await runToolOk('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', keyPath]);
  await runToolOk('openssl', [
    'req',
    '-x509',
    '-new',
    '-key',
    keyPath,
    '-out',
    certPath,
    '-days',
    '30',
    '-subj',
    '/CN=rig-token-signer',
  ]);
  const key = createPrivateKey(await readFile(keyPath));
  const kid = libtrustKeyId(new X509Certificate(await readFile(certPath)).publicKey);
  const service = 'rig-registry';
  const issuer = 'rig-issuer';
  let count = 0;

  const mint = (scopes: string[], aud = service, sub = o.username, pullOnly = false): string => {
    const now = Math.floor(Date.now() / 1000);
    const access = parseScopes(scopes).map((a) =>
      pullOnly ? { ...a, actions: a.actions.filter((x) => x === 'pull') } : a,
    );
    const claims = {
      iss: issuer,
      sub,
      aud,
      exp: now + 300,
      nbf: now - 10,
      iat: now,
      jti: randomUUID(),
      access,
    };
    const b64 = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const input = `${b64({ typ: 'JWT', alg: 'ES256', kid })}.${b64(claims)}`;
    return `${input}.${sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    count++;
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const auth = req.headers.authorization ?? '';
    const given = auth.startsWith('Basic ') ? Buffer.from(auth.slice(6), 'base64').toString() : '';
    const isPuller = o.puller !== undefined && sameSecret(given, `${o.puller.username}:${o.puller.password}`);
    if (url.pathname !== '/token') {
      res.writeHead(404).end();
    } else if (!isPuller && !sameSecret(given, `${o.username}:${o.password}`)) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="rig-token-issuer"', 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'bad credentials' }] }));
    } else {
      const sub = isPuller ? o.puller!.username : o.username;
      const token = mint(url.searchParams.getAll('scope'), url.searchParams.get('service') ?? service, sub, isPuller);
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ token, access_token: token, expires_in: 300, issued_at: new Date().toISOString() }));
    }
  };

  const server = createServer(handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/token`,
    certPath,
    service,
    issuer,
    mint: (scopes) => mint(scopes),
    requests: () => count,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
