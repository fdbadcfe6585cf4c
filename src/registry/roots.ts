import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createSecureContext, rootCertificates, type SecureContext } from 'node:tls';

/** Go's list of system bundle files on Linux (crypto/x509/root_linux.go): the first that exists is what Go trusts. */
export const SYSTEM_BUNDLES = [
  '/etc/ssl/certs/ca-certificates.crt',
  '/etc/pki/tls/certs/ca-bundle.crt',
  '/etc/ssl/ca-bundle.pem',
  '/etc/pki/tls/cacert.pem',
  '/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem',
  '/etc/ssl/cert.pem',
];

/** The system roots as PEM and where they came from (a file, or Node's built-in roots). */
export interface SystemRoots {
  pem: string;
  source: string;
}

/**
 * The roots Go (werf) trusts on this runner, as PEM: the file SSL_CERT_FILE names, else the first system bundle, else
 * Node's built-in Mozilla roots. This is the one definition of "system trust" for the action's TLS handshake, its
 * registry client and the bundle it installs; setting SSL_CERT_FILE REPLACES Go's bundle, so a new one must start
 * with these.
 */
export function systemRoots(env: NodeJS.ProcessEnv = process.env): SystemRoots {
  for (const file of [env.SSL_CERT_FILE, ...SYSTEM_BUNDLES]) {
    if (file && existsSync(file)) {
      try {
        return { pem: readFileSync(file, 'utf8'), source: file };
      } catch {
        // unreadable: try the next one
      }
    }
  }
  return { pem: rootCertificates.join('\n'), source: "Node's built-in roots" };
}

// Parsing a bundle of ~140 roots costs more than a registry request, so each distinct set of roots is parsed once per
// process. Keyed by content: a bundle that changes (SSL_CERT_FILE exported by the trust stage) gets a new context.
const contexts = new Map<string, SecureContext>();

/**
 * The SecureContext that verifies a registry the way werf does: the system roots (see systemRoots), plus `ca` when
 * given (werf's bundle is system roots + ca-cert). Built once per distinct set of roots and reused for every
 * connection of every client.
 */
export function trustedContext(ca?: string, env: NodeJS.ProcessEnv = process.env): SecureContext {
  const roots = systemRoots(env);
  const key = createHash('sha256')
    .update(roots.pem)
    .update('\0')
    .update(ca ?? '')
    .digest('hex');
  let context = contexts.get(key);
  if (!context) {
    context = createSecureContext({ ca: ca ? [roots.pem, ca] : roots.pem });
    contexts.set(key, context);
  }
  return context;
}
