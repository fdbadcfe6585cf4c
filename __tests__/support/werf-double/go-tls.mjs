// How a Go program (werf, dockerd, skopeo) trusts a registry, and how Go words a failed request, for the double.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { join } from 'node:path';

// crypto/x509/root_linux.go: the first readable bundle file, then every file in the cert directories.
const GO_CERT_FILES = [
  '/etc/ssl/certs/ca-certificates.crt',
  '/etc/pki/tls/certs/ca-bundle.crt',
  '/etc/ssl/ca-bundle.pem',
  '/etc/pki/tls/cacert.pem',
  '/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem',
  '/etc/ssl/cert.pem',
];
const GO_CERT_DIRS = ['/etc/ssl/certs', '/etc/pki/tls/certs'];

const pemBlocks = (text) => text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
const readOrNull = (p) => {
  try {
    return readFileSync(p, 'utf8');
  } catch {
    return null;
  }
};
const listFiles = (dir) => {
  try {
    return readdirSync(dir)
      .map((n) => join(dir, n))
      .filter((p) => {
        try {
          return statSync(p).isFile();
        } catch {
          return false;
        }
      });
  } catch {
    return [];
  }
};

/** Go's system roots: SSL_CERT_FILE REPLACES the bundle file list, SSL_CERT_DIR (colon list) replaces the dirs. */
export function goSystemRoots(env = process.env) {
  const files = env.SSL_CERT_FILE ? [env.SSL_CERT_FILE] : GO_CERT_FILES;
  const roots = [];
  for (const f of files) {
    const text = readOrNull(f);
    if (text !== null) {
      roots.push(...pemBlocks(text));
      break;
    }
  }
  const dirs = env.SSL_CERT_DIR ? env.SSL_CERT_DIR.split(':') : GO_CERT_DIRS;
  for (const d of dirs) for (const f of listFiles(d)) roots.push(...pemBlocks(readOrNull(f) ?? ''));
  return roots;
}

/** The Docker daemon's certs dir (a test knob stands for /etc/docker/certs.d). */
export function dockerCertsDir() {
  return process.env.WERF_DOUBLE_DOCKER_CERTS_DIR || '/etc/docker/certs.d';
}

/** docker's registry.ReadCertsDirectory: the `*.crt` files of <certs.d>/<host[:port]>, as extra roots. */
export function dockerHostRoots(host) {
  return listFiles(join(dockerCertsDir(), host))
    .filter((p) => p.endsWith('.crt'))
    .flatMap((p) => pemBlocks(readOrNull(p) ?? ''));
}

const UNKNOWN_AUTHORITY = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
]);

/** Words a Node request error as Go's net/http would: `Get "URL": <cause>`. */
export function goRequestError(err, url, method = 'Get') {
  const code = err?.code ?? '';
  const host = new URL(url).host;
  let cause;
  if (UNKNOWN_AUTHORITY.has(code))
    cause = 'tls: failed to verify certificate: x509: certificate signed by unknown authority';
  else if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID')
    cause = `tls: failed to verify certificate: x509: certificate has expired or is not yet valid: current time ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')} is out of the certificate's validity period`;
  else if (code === 'ERR_TLS_CERT_ALTNAME_INVALID')
    cause = `tls: failed to verify certificate: x509: certificate is not valid for ${new URL(url).hostname}`;
  else if (
    code === 'ERR_SSL_WRONG_VERSION_NUMBER' ||
    code === 'ERR_SSL_PACKET_LENGTH_TOO_LONG' ||
    /wrong version number|packet length too long|http request/i.test(err?.message ?? '')
  )
    cause = 'http: server gave HTTP response to HTTPS client';
  else if (code === 'ECONNREFUSED') cause = `dial tcp ${host}: connect: connection refused`;
  else if (code === 'ENOTFOUND') cause = `dial tcp: lookup ${new URL(url).hostname}: no such host`;
  else if (code === 'ECONNRESET') cause = `read tcp ${host}: read: connection reset by peer`;
  else if (code === 'ETIMEDOUT' || code === 'TIMEOUT') cause = 'net/http: request canceled (Client.Timeout exceeded)';
  else cause = err?.message ?? String(err);
  return `${method} "${url}": ${cause}`;
}

/**
 * One HTTP(S) GET the way a Go client with the given trust makes it: `roots` (PEM list) as the only trusted CAs,
 * or no verification with `skipVerify`. Resolves {status, headers, body}; rejects with Error(Go-worded message).
 */
export function goGet(url, { roots = [], skipVerify = false, headers = {}, timeoutMs = 30000 } = {}) {
  const u = new URL(url);
  const mod = u.protocol === 'https:' ? https : http;
  const opts = { method: 'GET', headers: { 'User-Agent': 'werf-double', ...headers }, timeout: timeoutMs };
  if (mod === https) Object.assign(opts, { ca: roots, rejectUnauthorized: !skipVerify, agent: false });
  return new Promise((resolve, reject) => {
    const req = mod.request(u, opts, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', (e) => reject(new Error(goRequestError(e, url))));
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    req.on('error', (e) => reject(new Error(goRequestError(e, url))));
    req.end();
  });
}
