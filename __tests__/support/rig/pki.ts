import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { own } from './lifecycle.js';
import { runToolOk } from './processes.js';
import { makeTempDir, removeTempDir } from './tmp.js';

/** A CA made for one test run. `dir` holds only ca.crt, so it can be passed to skopeo --cert-dir as is. */
export interface TestCa {
  dir: string;
  certPath: string;
  keyPath: string;
  certPem: string;
  /** Removes the CA's temp dir (stopAll() and process exit remove it too). */
  remove(): Promise<void>;
}

/** Validity of a certificate: dates are anything Date.parse reads (ISO 8601), days count from an hour ago. */
export interface Validity {
  days?: number;
  notBefore?: string;
  notAfter?: string;
}

/** A server certificate signed by a TestCa. */
export interface ServerCert {
  certPath: string;
  keyPath: string;
  certPem: string;
}

// openssl ca takes GeneralizedTime, YYYYMMDDHHMMSSZ.
function asn1Time(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:T]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

function validityArgs(v: Validity, defaultDays: number): string[] {
  const start = v.notBefore ? new Date(v.notBefore) : new Date(Date.now() - 3600_000);
  const end = v.notAfter ? new Date(v.notAfter) : new Date(start.getTime() + (v.days ?? defaultDays) * 86400_000);
  if (Number.isNaN(start.getTime()) || Number.isNaN(end.getTime()))
    throw new Error(`bad validity ${JSON.stringify(v)}`);
  return ['-startdate', asn1Time(start), '-enddate', asn1Time(end)];
}

/**
 * Signs a CSR with `openssl ca`, the one openssl 3.0 command that takes explicit start and end dates (for expired
 * certificates). Each signing gets its own throw-away CA database, so parallel signings never share a file.
 */
async function sign(o: {
  work: string;
  csr: string;
  out: string;
  caCert?: string;
  caKey: string;
  extensions: string;
  validity: string[];
}): Promise<void> {
  const db = join(o.work, `db-${randomBytes(4).toString('hex')}`);
  await mkdir(db);
  await writeFile(join(db, 'index.txt'), '');
  const cnf = join(db, 'ca.cnf');
  await writeFile(
    cnf,
    [
      '[ca]',
      'default_ca = rig',
      '[rig]',
      `database = ${db}/index.txt`,
      `new_certs_dir = ${db}`,
      `serial = ${db}/serial`,
      'default_md = sha256',
      'policy = any',
      'unique_subject = no',
      '[any]',
      'commonName = supplied',
      '[ext]',
      o.extensions,
      '',
    ].join('\n'),
  );
  await writeFile(join(db, 'serial'), randomBytes(8).toString('hex').replace(/^./, '1') + '\n');
  const issuer = o.caCert ? ['-cert', o.caCert] : ['-selfsign'];
  await runToolOk('openssl', [
    'ca', '-batch', '-notext', '-config', cnf, '-extensions', 'ext', ...issuer, '-keyfile', o.caKey,
    '-in', o.csr, '-out', o.out, ...o.validity,
  ]); // prettier-ignore
}

async function newKeyAndCsr(work: string, name: string, cn: string): Promise<{ key: string; csr: string }> {
  const key = join(work, `${name}.key`);
  const csr = join(work, `${name}.csr`);
  // P-256 keys: as good as RSA for these tests and generated in a few milliseconds.
  await runToolOk('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', key]);
  await runToolOk('openssl', ['req', '-new', '-key', key, '-subj', `/CN=${cn}`, '-out', csr]);
  return { key, csr };
}

/**
 * Makes a fresh CA with openssl: by default a proper CA (basicConstraints critical CA:TRUE, keyCertSign) valid from
 * an hour ago for `days` (default 365). `notBefore`/`notAfter` make an expired or not-yet-valid CA; `isCa: false`
 * makes a plain leaf certificate that still signs server certs, so tests can check that a non-CA is refused.
 */
export async function makeCa(
  opts: { cn?: string; days?: number; notBefore?: string; notAfter?: string; isCa?: boolean } = {},
): Promise<TestCa> {
  const root = await makeTempDir('ca');
  const dir = join(root, 'certs');
  await mkdir(dir);
  const { key, csr } = await newKeyAndCsr(root, 'ca', opts.cn ?? 'rig-test-ca');
  const certPath = join(dir, 'ca.crt');
  const extensions =
    opts.isCa === false
      ? 'basicConstraints = critical,CA:FALSE\nkeyUsage = critical,digitalSignature\nsubjectKeyIdentifier = hash'
      : 'basicConstraints = critical,CA:TRUE\nkeyUsage = critical,keyCertSign,cRLSign\nsubjectKeyIdentifier = hash';
  await sign({ work: root, csr, out: certPath, caKey: key, extensions, validity: validityArgs(opts, 365) });
  return {
    dir,
    certPath,
    keyPath: key,
    certPem: await readFile(certPath, 'utf8'),
    remove: own(() => removeTempDir(root)),
  };
}

/**
 * Issues a server certificate (serverAuth) signed by `ca` for `names` (subjectAltName entries, default
 * IP:127.0.0.1,DNS:localhost), written into `outDir` as server.crt and server.key. Validity as in makeCa (default
 * 30 days).
 */
export async function issueServerCert(
  ca: TestCa,
  outDir: string,
  validity: Validity = {},
  names: string[] = ['IP:127.0.0.1', 'DNS:localhost'],
): Promise<ServerCert> {
  const { key, csr } = await newKeyAndCsr(outDir, 'server', 'localhost');
  const certPath = join(outDir, 'server.crt');
  const extensions = [
    'basicConstraints = CA:FALSE',
    'keyUsage = critical,digitalSignature',
    'extendedKeyUsage = serverAuth',
    `subjectAltName = ${names.join(',')}`,
    'authorityKeyIdentifier = keyid',
  ].join('\n');
  await sign({
    work: outDir,
    csr,
    out: certPath,
    caCert: ca.certPath,
    caKey: ca.keyPath,
    extensions,
    validity: validityArgs(validity, 30),
  });
  return { certPath, keyPath: key, certPem: await readFile(certPath, 'utf8') };
}
