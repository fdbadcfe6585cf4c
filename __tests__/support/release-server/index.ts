// A stand-in for tuf.werf.io (no internet here): a local HTTP server with channel pointers, release binaries and their
// detached signatures, made with a throwaway gnupg key. Counts requests per path so tests can prove a cache hit.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

/** A throwaway OpenPGP signing key in its own gnupg home. */
export interface TestSigningKey {
  home: string;
  publicKeyArmored: string;
  /** the primary key's fingerprint as gpg prints it (40 hex digits, upper case) */
  fingerprint: string;
  /** a detached signature of `file`: binary by default (as `gpg --detach-sign`), armored on request */
  sign(file: string, opts?: { armor?: boolean }): Buffer;
  /** kills this home's gpg-agent and removes the home */
  dispose(): void;
}

/** Makes a fresh ed25519 signing key with gnupg in a temp home (no passphrase, no agent left behind after dispose). */
export function makeSigningKey(name: string): TestSigningKey {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'release-key-'));
  fs.chmodSync(home, 0o700);
  const gpg = (args: string[], input?: Buffer) =>
    execFileSync('gpg', ['--batch', '--homedir', home, '--pinentry-mode', 'loopback', '--passphrase', '', ...args], {
      input,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
  try {
    gpg([
      '--quick-gen-key',
      `${name} <${name.toLowerCase().replace(/\W+/g, '-')}@example.test>`,
      'ed25519',
      'sign',
      'never',
    ]);
  } catch (err) {
    fs.rmSync(home, { recursive: true, force: true });
    throw err;
  }
  const fpr = /^fpr:(?:[^:]*:){8}([0-9A-F]{40}):/m.exec(gpg(['--with-colons', '--fingerprint']).toString('utf8'));
  return {
    home,
    publicKeyArmored: gpg(['--armor', '--export']).toString('utf8'),
    fingerprint: fpr?.[1] ?? fail(`gpg printed no fingerprint for ${name}`),
    sign: (file, opts = {}) => gpg([...(opts.armor ? ['--armor'] : []), '--detach-sign', '--output', '-', file]),
    dispose() {
      try {
        execFileSync('gpgconf', ['--homedir', home, '--kill', 'all'], { stdio: 'ignore' });
      } finally {
        fs.rmSync(home, { recursive: true, force: true });
      }
    },
  };
}

function fail(message: string): never {
  throw new Error(message);
}

/** The release server: `files` maps URL paths to bodies, `redirects` paths to a Location; `requests` counts GETs. */
export interface ReleaseServer {
  url: string;
  files: Map<string, Buffer | string>;
  redirects: Map<string, string>;
  requests: Map<string, number>;
  /** the requests seen, path -> count */
  requested(): Record<string, number>;
  count(pathPrefix: string): number;
  /** forgets every file, redirect and request: a fresh server for the next test */
  reset(): void;
  stop(): Promise<void>;
}

/**
 * Starts the release server on 127.0.0.1 and a free port; unknown paths answer 404. With `tls` (PEM certificate and
 * key, e.g. from the rig's issueServerCert) it speaks HTTPS and `url` starts with https://.
 */
export async function startReleaseServer(opts: { tls?: { cert: string; key: string } } = {}): Promise<ReleaseServer> {
  const files = new Map<string, Buffer | string>();
  const redirects = new Map<string, string>();
  const requests = new Map<string, number>();
  const handle: http.RequestListener = (req, res) => {
    const urlPath = new URL(req.url ?? '/', 'http://x').pathname;
    requests.set(urlPath, (requests.get(urlPath) ?? 0) + 1);
    const location = redirects.get(urlPath);
    if (location !== undefined) {
      res.writeHead(302, { location }).end();
      return;
    }
    const body = files.get(urlPath);
    if (body === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('404 page not found\n');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(body);
  };
  const server = opts.tls ? https.createServer(opts.tls, handle) : http.createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    files,
    redirects,
    requests,
    requested: () => Object.fromEntries(requests),
    reset: () => [files, redirects, requests].forEach((map) => map.clear()),
    count: (prefix) => [...requests].filter(([p]) => p.startsWith(prefix)).reduce((n, [, c]) => n + c, 0),
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
