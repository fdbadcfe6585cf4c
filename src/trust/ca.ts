import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { ActionError } from '../errors.js';
import { hostName } from '../reference.js';
import { oneLine } from '../untrusted.js';

/** What the action learned about one certificate in `ca-cert`. */
export interface CaCertInfo {
  subject: string;
  issuer: string;
  validFrom: Date;
  validTo: Date;
  /** basicConstraints CA:TRUE */
  isCa: boolean;
  /** a self-signed server certificate of the registry itself, trusted as its own anchor */
  registryOwn: boolean;
  fingerprint256: string;
}

/** The checked CA: its certificates, the PEM to install (certificates only), and warnings that do not stop the job. */
export interface CaCheck {
  certs: CaCertInfo[];
  pem: string;
  warnings: string[];
}

const DAY_MS = 86_400_000;
/** A CA that expires this soon still works today but will break the pipeline soon: worth a warning. */
const EXPIRY_WARNING_DAYS = 30;
const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;

/** One line per RDN (Node's format) -> "CN=x, O=y", the way people read subjects. */
export function formatName(name: string): string {
  // A certificate's names are chosen by whoever made it: one plain line in our sentences.
  return oneLine(name.split('\n').filter(Boolean).join(', '));
}

function day(date: Date): string {
  return date
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC');
}

/** Whether a certificate names this host (SAN DNS or IP), as a TLS client would check it. */
function namesHost(cert: X509Certificate, host: string): boolean {
  const name = hostName(host);
  return isIP(name) ? cert.checkIP(name) !== undefined : cert.checkHost(name) !== undefined;
}

/**
 * Checks the text of `ca-cert` for one registry before anything is installed (pure: node:crypto only): it must be PEM,
 * hold certificates (a private key is refused without echoing it), each valid today and a CA, except a self-signed
 * certificate that names the registry itself (Go and OpenSSL accept such a certificate as its own anchor). Throws an
 * ActionError that names the registry, the subject and the dates; a CA that expires within 30 days gives a warning.
 */
export function checkCaCert(text: string, opts: { host: string; input?: string; now?: Date }): CaCheck {
  const now = opts.now ?? new Date();
  const what = `The "${opts.input ?? 'ca-cert'}" for ${opts.host}`;
  const blocks = [...text.matchAll(PEM_BLOCK)].map((m) => ({ label: m[1] as string, pem: m[0] }));
  if (blocks.length === 0) {
    throw new ActionError(
      `${what} is not PEM: give the CA certificate as text starting with "-----BEGIN CERTIFICATE-----", or a path to such a file.`,
    );
  }
  const certBlocks = blocks.filter((b) => b.label === 'CERTIFICATE' || b.label === 'TRUSTED CERTIFICATE');
  if (certBlocks.length === 0) {
    const labels = [...new Set(blocks.map((b) => b.label))].join(', ');
    throw new ActionError(
      `${what} holds ${labels}, not a certificate: give the CA's certificate ("-----BEGIN CERTIFICATE-----"), never a key.`,
    );
  }

  const certs: CaCertInfo[] = [];
  const warnings: string[] = [];
  for (const [index, block] of certBlocks.entries()) {
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(block.pem);
    } catch (err) {
      throw new ActionError(
        `${what} has a CERTIFICATE block (number ${index + 1}) that is not a valid certificate: copy the whole PEM again, from "-----BEGIN" to "-----END".`,
        { details: (err as Error).message },
      );
    }
    const info = describe(cert, opts.host);
    const subject = `"${info.subject}"`;
    const validity = `valid from ${day(info.validFrom)} to ${day(info.validTo)}`;
    if (info.validTo.getTime() < now.getTime()) {
      throw new ActionError(
        `${what} (subject ${subject}) expired on ${day(info.validTo)} (${validity}): get the renewed CA certificate from the registry's administrator.`,
      );
    }
    if (info.validFrom.getTime() > now.getTime()) {
      throw new ActionError(
        `${what} (subject ${subject}) is not valid until ${day(info.validFrom)} (${validity}; now is ${day(now)}): check the runner's clock, or give the CA that is in use today.`,
      );
    }
    if (!info.isCa && !info.registryOwn) {
      const selfSigned = info.subject === info.issuer;
      throw new ActionError(
        selfSigned
          ? `${what} (subject ${subject}) is a self-signed certificate that is neither a CA nor issued for ${hostName(opts.host)}: give the registry's own certificate or the CA that signed it.`
          : `${what} (subject ${subject}) is not a CA but a server (leaf) certificate issued by "${info.issuer}": give that issuing CA's certificate instead.`,
      );
    }
    const msLeft = info.validTo.getTime() - now.getTime();
    if (msLeft <= EXPIRY_WARNING_DAYS * DAY_MS) {
      const daysLeft = Math.floor(msLeft / DAY_MS);
      warnings.push(
        `${what} (subject ${subject}) expires in ${daysLeft} day(s), on ${day(info.validTo)}: renew it before then, or the registry's TLS stops working.`,
      );
    }
    certs.push(info);
  }
  return { certs, pem: certBlocks.map((b) => b.pem.trim()).join('\n') + '\n', warnings };
}

function describe(cert: X509Certificate, host: string): CaCertInfo {
  const selfSigned = cert.checkIssued(cert) && cert.verify(cert.publicKey);
  return {
    subject: formatName(cert.subject),
    issuer: formatName(cert.issuer),
    validFrom: new Date(cert.validFrom),
    validTo: new Date(cert.validTo),
    isCa: cert.ca,
    registryOwn: !cert.ca && selfSigned && namesHost(cert, host),
    fingerprint256: cert.fingerprint256,
  };
}
