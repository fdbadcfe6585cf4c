import * as tls from 'node:tls';
import { isIP } from 'node:net';
import { X509Certificate } from 'node:crypto';
import { apiHost, trustedContext } from '../registry/index.js';
import { formatName } from './ca.js';
import { hostName, splitHostPort } from '../reference.js';
import { oneLine } from '../untrusted.js';

/** What a TLS handshake with a registry showed. */
export type TlsProbe =
  | {
      kind: 'tls';
      /** the served chain verified against the given roots */
      authorized: boolean;
      /** OpenSSL's code, e.g. UNABLE_TO_VERIFY_LEAF_SIGNATURE, CERT_HAS_EXPIRED */
      authorizationError?: string;
      /** set when the certificate does not name the host */
      hostnameError?: string;
      subject: string;
      issuer: string;
      /** issuer of the last certificate served: the root the client must trust */
      topIssuer: string;
      validTo: Date;
      names: string;
    }
  | { kind: 'plain-http' }
  | { kind: 'unreachable'; code: string; message: string };

/** Docker Hub's API host and port 443 for host[:port] names without one. */
export function networkAddress(host: string): { name: string; port: number } {
  if (apiHost(host) !== host) return { name: apiHost(host), port: 443 };
  const { name, port = 443 } = splitHostPort(host);
  return { name, port };
}

// An HTTP server answers a ClientHello with "HTTP/1.1 400": OpenSSL reads that as a record of the wrong version.
const PLAIN_HTTP = /wrong version number|packet length too long|http request|unknown protocol/i;

/** What a probe verifies against: the given CA alone (does it sign what is served?), or werf's system roots. */
export type ProbeRoots = { ca: string } | 'system';

/**
 * Opens a TLS connection to the registry and reports what it served: whether `roots` verify the chain (the given CA
 * alone, or the same system roots the registry client and werf use), whether it names the host, subject and issuers;
 * or that the port speaks plain HTTP; or that it cannot be reached. Never sends a byte of HTTP and never fails on a
 * bad certificate (that is the finding).
 */
export function probeTls(host: string, roots: ProbeRoots, timeoutMs = 10_000): Promise<TlsProbe> {
  const { name, port } = networkAddress(host);
  return new Promise((resolve) => {
    const socket = tls.connect({
      host: name,
      port,
      secureContext: roots === 'system' ? trustedContext() : tls.createSecureContext({ ca: roots.ca }),
      rejectUnauthorized: false,
      ...(isIP(name) ? {} : { servername: name }),
    });
    const done = (probe: TlsProbe) => {
      socket.destroy();
      resolve(probe);
    };
    socket.setTimeout(timeoutMs, () =>
      done({ kind: 'unreachable', code: 'ETIMEDOUT', message: `no TLS handshake within ${timeoutMs / 1000} s` }),
    );
    socket.once('secureConnect', () => {
      const peer = socket.getPeerCertificate(true);
      const leaf = socket.getPeerX509Certificate();
      if (!leaf || !peer?.raw)
        return done({ kind: 'unreachable', code: 'NO_CERTIFICATE', message: 'the server sent no certificate' });
      let top = peer;
      for (let i = 0; i < 10 && top.issuerCertificate && top.issuerCertificate !== top; i++)
        top = top.issuerCertificate;
      const hostnameError = tls.checkServerIdentity(name, peer);
      done({
        kind: 'tls',
        authorized: socket.authorized,
        ...(socket.authorizationError ? { authorizationError: String(socket.authorizationError) } : {}),
        ...(hostnameError ? { hostnameError: hostnameError.message } : {}),
        subject: formatName(leaf.subject),
        issuer: formatName(leaf.issuer),
        topIssuer: formatName(new X509Certificate(top.raw).issuer),
        validTo: new Date(leaf.validTo),
        names: leaf.subjectAltName ? oneLine(leaf.subjectAltName) : formatName(leaf.subject),
      });
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      if (PLAIN_HTTP.test(err.message) || err.code === 'ERR_SSL_WRONG_VERSION_NUMBER')
        return done({ kind: 'plain-http' });
      done({ kind: 'unreachable', code: err.code ?? 'ERROR', message: err.message });
    });
  });
}

/** What the handshake was checking: the given CA (with its subject), or the runner's system roots. */
export type Expectation = { mode: 'ca'; caSubject: string } | { mode: 'system' };

/**
 * Pure: turns a probe into the one sentence the user must read, or undefined when all is well. Names the registry,
 * what it served and, with a CA, the given CA's subject; says both fixes when the system roots do not trust it.
 */
export function judgeProbe(host: string, probe: TlsProbe, expect: Expectation): string | undefined {
  if (probe.kind === 'plain-http') {
    return `${host} answers plain HTTP, not TLS: if the registry really has no TLS, set "insecure-registry: true" (everything to it, credentials included, then travels unencrypted); otherwise check the port.`;
  }
  if (probe.kind === 'unreachable') {
    return `Cannot reach ${host} to check its TLS certificate (${probe.code}: ${probe.message}): check the registry address and that this runner can reach it.`;
  }
  const served = `"${probe.subject}" issued by "${probe.issuer}"${probe.topIssuer !== probe.issuer ? ` (chain up to "${probe.topIssuer}")` : ''}`;
  if (probe.authorizationError === 'CERT_HAS_EXPIRED') {
    return `${host} serves an expired certificate (${served}, valid to ${probe.validTo.toISOString()}): the registry's administrator must renew it.`;
  }
  // Node folds the name check into `authorized`: a chain that verifies but names another host is the name finding.
  const wrongName = probe.authorizationError === 'ERR_TLS_CERT_ALTNAME_INVALID' || probe.hostnameError !== undefined;
  if (!probe.authorized && probe.authorizationError !== 'ERR_TLS_CERT_ALTNAME_INVALID') {
    if (expect.mode === 'ca') {
      return `The "ca-cert" for ${host} does not sign the certificate the registry serves: it serves ${served}, but ca-cert is "${expect.caSubject}" (${probe.authorizationError ?? 'not verified'}). Give the CA that issued it ("${probe.topIssuer}").`;
    }
    return `${host} serves a certificate that the runner's system CAs do not trust (${served}; ${probe.authorizationError ?? 'not verified'}, as werf says "x509: certificate signed by unknown authority"): give that CA in "ca-cert" (recommended), or set "skip-tls-verify: true" to not verify the registry.`;
  }
  if (wrongName) {
    return `${host} serves a certificate for ${probe.names}, not for ${hostName(host)} (${served}): use a registry name the certificate names, or have the certificate reissued with ${hostName(host)} in its subjectAltName.`;
  }
  return undefined;
}

/** True when an HTTPS proxy would carry werf's traffic to this host: a direct handshake would test the wrong path. */
export function proxied(host: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const proxy = env.HTTPS_PROXY || env.https_proxy;
  if (!proxy) return false;
  const name = networkAddress(host).name;
  const noProxy = (env.NO_PROXY || env.no_proxy || '').split(',').map((s) => s.trim().toLowerCase());
  return !noProxy.some(
    (p) => p === '*' || (p !== '' && (name === p.replace(/^\./, '') || name.endsWith(p.startsWith('.') ? p : `.${p}`))),
  );
}
