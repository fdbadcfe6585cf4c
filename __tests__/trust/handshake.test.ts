import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import * as tls from 'node:tls';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { judgeProbe, networkAddress, probeTls, proxied } from '../../src/trust/handshake.js';
import { systemRoots } from '../../src/registry/index.js';
import {
  freePort,
  issueServerCert,
  makeCa,
  makeTempDir,
  removeTempDir,
  runToolOk,
  startRegistry,
  stopAll,
  type Registry,
  type TestCa,
} from '../support/rig/index.js';

// Real TLS: a Distribution registry signed by a per-run CA, a plain-HTTP registry, and small node:tls servers for
// the certificates the rig's registry cannot serve (expired, self-signed, wrong name).
let ca: TestCa;
let otherCa: TestCa;
let tlsReg: Registry;
let httpReg: Registry;
let work: string;
const servers: tls.Server[] = [];

async function serve(certPath: string, keyPath: string): Promise<string> {
  const server = tls.createServer({ cert: await readFile(certPath), key: await readFile(keyPath) }, (s) => s.end());
  servers.push(server);
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return `127.0.0.1:${port}`;
}

async function selfSigned(dir: string, name: string, san: string): Promise<{ cert: string; key: string }> {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  await runToolOk('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key,
    '-out', cert, '-days', '365', '-subj', `/CN=${name}`,
    '-addext', 'basicConstraints=critical,CA:FALSE', '-addext', `subjectAltName=${san}`,
  ]); // prettier-ignore
  return { cert, key };
}

beforeAll(async () => {
  work = await makeTempDir('trust-handshake');
  [ca, otherCa] = await Promise.all([
    makeCa({ cn: 'handshake-ca', days: 365 }),
    makeCa({ cn: 'unrelated-ca', days: 365 }),
  ]);
  [tlsReg, httpReg] = await Promise.all([startRegistry({ ca }), startRegistry({ tls: false })]);
});

afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  await removeTempDir(work);
  await stopAll();
});

describe('TLS handshake with the real registry', () => {
  test('the right CA signs what the registry serves: no finding', async () => {
    const probe = await probeTls(tlsReg.host, { ca: ca.certPem });
    expect(probe).toMatchObject({ kind: 'tls', authorized: true, subject: 'CN=localhost', issuer: 'CN=handshake-ca' });
    expect(judgeProbe(tlsReg.host, probe, { mode: 'ca', caSubject: 'CN=handshake-ca' })).toBeUndefined();
  });

  test('a wrong CA: the message names the served issuer and the given CA subject', async () => {
    const probe = await probeTls(tlsReg.host, { ca: otherCa.certPem });
    expect(probe).toMatchObject({ kind: 'tls', authorized: false });
    expect(judgeProbe(tlsReg.host, probe, { mode: 'ca', caSubject: 'CN=unrelated-ca' })).toBe(
      `The "ca-cert" for ${tlsReg.host} does not sign the certificate the registry serves: it serves "CN=localhost" issued by "CN=handshake-ca", but ca-cert is "CN=unrelated-ca" (UNABLE_TO_VERIFY_LEAF_SIGNATURE). Give the CA that issued it ("CN=handshake-ca").`,
    );
  });

  test('no CA given and the system roots do not trust it: both fixes are named', async () => {
    const probe = await probeTls(tlsReg.host, 'system');
    const message = judgeProbe(tlsReg.host, probe, { mode: 'system' });
    expect(message).toMatch(
      new RegExp(
        `^${tlsReg.host.replace(/\./g, '\\.')} serves a certificate that the runner's system CAs do not trust`,
      ),
    );
    expect(message).toContain('issued by "CN=handshake-ca"');
    expect(message).toContain('give that CA in "ca-cert" (recommended), or set "skip-tls-verify: true"');
  });

  test("'system' uses werf's roots (SSL_CERT_FILE); a given CA is still checked alone", async () => {
    const bundle = join(work, 'bundle-with-ca.pem');
    await writeFile(bundle, `${systemRoots().pem.trimEnd()}\n${ca.certPem}`);
    const saved = process.env.SSL_CERT_FILE;
    process.env.SSL_CERT_FILE = bundle;
    try {
      const probe = await probeTls(tlsReg.host, 'system');
      expect(probe).toMatchObject({ kind: 'tls', authorized: true, issuer: 'CN=handshake-ca' });
      expect(judgeProbe(tlsReg.host, probe, { mode: 'system' })).toBeUndefined();
      // The 'ca' check answers "does this CA sign it", whatever the system roots hold.
      expect(await probeTls(tlsReg.host, { ca: otherCa.certPem })).toMatchObject({ kind: 'tls', authorized: false });
    } finally {
      if (saved === undefined) delete process.env.SSL_CERT_FILE;
      else process.env.SSL_CERT_FILE = saved;
    }
  });

  test('TLS spoken to a plain-HTTP registry is recognized, and insecure-registry is suggested', async () => {
    const probe = await probeTls(httpReg.host, { ca: ca.certPem });
    expect(probe).toEqual({ kind: 'plain-http' });
    expect(judgeProbe(httpReg.host, probe, { mode: 'system' })).toMatch(
      /answers plain HTTP, not TLS: .*set "insecure-registry: true"/,
    );
  });

  test('nothing listening: unreachable, with the code', async () => {
    const host = `127.0.0.1:${await freePort()}`;
    const probe = await probeTls(host, { ca: ca.certPem });
    expect(probe).toMatchObject({ kind: 'unreachable', code: 'ECONNREFUSED' });
    expect(judgeProbe(host, probe, { mode: 'system' })).toMatch(
      /^Cannot reach 127\.0\.0\.1:\d+ to check its TLS certificate \(ECONNREFUSED/,
    );
  });
});

describe('certificates the registry rig does not serve (node:tls servers)', () => {
  test("the registry's own self-signed certificate given as ca-cert verifies", async () => {
    const own = await selfSigned(work, 'own', 'IP:127.0.0.1');
    const host = await serve(own.cert, own.key);
    const probe = await probeTls(host, { ca: await readFile(own.cert, 'utf8') });
    expect(probe).toMatchObject({ kind: 'tls', authorized: true });
    expect(judgeProbe(host, probe, { mode: 'ca', caSubject: 'CN=own' })).toBeUndefined();
  });

  test('a certificate for another name: the names it has are reported', async () => {
    const other = await selfSigned(work, 'other', 'DNS:other.example.com');
    const host = await serve(other.cert, other.key);
    const probe = await probeTls(host, { ca: await readFile(other.cert, 'utf8') });
    expect(probe).toMatchObject({ kind: 'tls', authorizationError: 'ERR_TLS_CERT_ALTNAME_INVALID' });
    expect(judgeProbe(host, probe, { mode: 'ca', caSubject: 'CN=other' })).toMatch(
      /serves a certificate for DNS:other\.example\.com, not for 127\.0\.0\.1/,
    );
  });

  test('an expired server certificate', async () => {
    const dir = join(work, 'expired');
    await mkdir(dir);
    const cert = await issueServerCert(ca, dir, {
      notBefore: '2020-01-01T00:00:00Z',
      notAfter: '2021-01-01T00:00:00Z',
    });
    const host = await serve(cert.certPath, cert.keyPath);
    const probe = await probeTls(host, { ca: ca.certPem });
    expect(judgeProbe(host, probe, { mode: 'ca', caSubject: 'CN=handshake-ca' })).toMatch(
      /serves an expired certificate \("CN=localhost" issued by "CN=handshake-ca", valid to 2021-01-01T00:00:00\.000Z\)/,
    );
  });
});

test('networkAddress: Docker Hub, default port, explicit port, IPv6', () => {
  expect(networkAddress('docker.io')).toEqual({ name: 'registry-1.docker.io', port: 443 });
  expect(networkAddress('r.example.com')).toEqual({ name: 'r.example.com', port: 443 });
  expect(networkAddress('r.example.com:5000')).toEqual({ name: 'r.example.com', port: 5000 });
  expect(networkAddress('[::1]:5000')).toEqual({ name: '::1', port: 5000 });
});

test('proxied: HTTPS_PROXY applies unless NO_PROXY names the host', () => {
  expect(proxied('r.example.com', {})).toBe(false);
  expect(proxied('r.example.com', { HTTPS_PROXY: 'http://proxy:3128' })).toBe(true);
  expect(proxied('r.example.com:5000', { https_proxy: 'http://proxy:3128', NO_PROXY: '.example.com' })).toBe(false);
  expect(proxied('r.example.com', { HTTPS_PROXY: 'http://proxy:3128', no_proxy: 'r.example.com' })).toBe(false);
  expect(proxied('r.example.com', { HTTPS_PROXY: 'http://proxy:3128', NO_PROXY: 'xr.example.com' })).toBe(true);
  expect(proxied('127.0.0.1:5000', { HTTPS_PROXY: 'http://proxy:3128', NO_PROXY: '*' })).toBe(false);
});
