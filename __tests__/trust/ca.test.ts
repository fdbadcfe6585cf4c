import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { checkCaCert, formatName } from '../../src/trust/ca.js';
import { hostName } from '../../src/reference.js';
import { ActionError } from '../../src/errors.js';
import {
  issueServerCert,
  makeCa,
  makeTempDir,
  removeTempDir,
  runToolOk,
  stopAll,
  type TestCa,
} from '../support/rig/index.js';

// Real certificates made by openssl for each case; checkCaCert itself is pure (node:crypto only).
const HOST = '127.0.0.1:5443';
let good: TestCa;
let expired: TestCa;
let future: TestCa;
let soon: TestCa;
let notCa: TestCa;
let leafPem: string;
let ownSelfSigned: string;
let otherSelfSigned: string;
let keyPem: string;
let work: string;

/** A self-signed server certificate (CA:FALSE) naming `san`: what a registry set up by hand often serves. */
async function selfSigned(dir: string, name: string, san: string): Promise<string> {
  const cert = join(dir, `${name}.crt`);
  await runToolOk('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, `${name}.key`),
    '-out', cert, '-days', '365', '-subj', `/CN=${name}`,
    '-addext', 'basicConstraints=critical,CA:FALSE', '-addext', `subjectAltName=${san}`,
  ]); // prettier-ignore
  return readFile(cert, 'utf8');
}

beforeAll(async () => {
  work = await makeTempDir('trust-ca');
  [good, expired, future, soon, notCa] = await Promise.all([
    makeCa({ cn: 'good-ca', days: 365 }),
    makeCa({ cn: 'old-ca', notBefore: '2020-01-01T00:00:00Z', notAfter: '2021-01-01T00:00:00Z' }),
    makeCa({ cn: 'future-ca', notBefore: '2099-01-01T00:00:00Z', notAfter: '2100-01-01T00:00:00Z' }),
    makeCa({ cn: 'soon-ca', days: 10 }),
    makeCa({ cn: 'plain-leaf', days: 365, isCa: false }),
  ]);
  leafPem = (await issueServerCert(good, work, { days: 365 })).certPem;
  ownSelfSigned = await selfSigned(work, 'registry-own', 'IP:127.0.0.1,DNS:localhost');
  otherSelfSigned = await selfSigned(work, 'someone-else', 'DNS:other.example.com');
  keyPem = await readFile(good.keyPath, 'utf8');
});

afterAll(async () => {
  await removeTempDir(work);
  await stopAll();
});

function failure(text: string, host = HOST): string {
  try {
    checkCaCert(text, { host });
  } catch (err) {
    expect(err).toBeInstanceOf(ActionError);
    return (err as Error).message;
  }
  throw new Error('expected checkCaCert to throw');
}

describe('checkCaCert refuses a bad ca-cert with a message that says what and what to do', () => {
  test.each([
    [
      'garbage text',
      () => 'hello, this is not a certificate',
      /for 127\.0\.0\.1:5443 is not PEM: give the CA certificate as text starting with "-----BEGIN CERTIFICATE-----"/,
    ],
    [
      'empty PEM armour',
      () => '-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n',
      /CERTIFICATE block \(number 1\) that is not a valid certificate/,
    ],
    [
      'a CERTIFICATE block of garbage',
      () => '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----',
      /not a valid certificate: copy the whole PEM again/,
    ],
    ['a private key', () => keyPem, /holds PRIVATE KEY, not a certificate: give the CA's certificate/],
    [
      'an expired CA',
      () => expired.certPem,
      /\(subject "CN=old-ca"\) expired on 2021-01-01 00:00:00 UTC \(valid from 2020-01-01 00:00:00 UTC to 2021-01-01 00:00:00 UTC\): get the renewed CA/,
    ],
    [
      'a CA not valid yet',
      () => future.certPem,
      /\(subject "CN=future-ca"\) is not valid until 2099-01-01 00:00:00 UTC .*check the runner's clock/,
    ],
    [
      'a server (leaf) certificate',
      () => leafPem,
      /\(subject "CN=localhost"\) is not a CA but a server \(leaf\) certificate issued by "CN=good-ca": give that issuing CA's certificate instead/,
    ],
    [
      'a self-signed non-CA for another host',
      () => otherSelfSigned,
      /\(subject "CN=someone-else"\) is a self-signed certificate that is neither a CA nor issued for 127\.0\.0\.1/,
    ],
    [
      'a CA bundle with one expired member',
      () => good.certPem + expired.certPem,
      /subject "CN=old-ca"\) expired on 2021-01-01/,
    ],
  ])('%s', (_name, text, message) => {
    expect(failure(text())).toMatch(message);
  });

  test('a self-signed non-CA that is not for this host is also refused on another port', () => {
    expect(failure(ownSelfSigned, 'registry.example.com:5000')).toMatch(
      /neither a CA nor issued for registry\.example\.com/,
    );
  });

  test('the private key never appears in the message', () => {
    const body = keyPem.split('\n')[1] as string;
    expect(failure(keyPem)).not.toContain(body);
  });
});

describe('checkCaCert accepts', () => {
  test('a proper CA, with no warning, and returns the certificates only', () => {
    const check = checkCaCert(`some text before\n${good.certPem}`, { host: HOST });
    expect(check.warnings).toEqual([]);
    expect(check.certs).toHaveLength(1);
    expect(check.certs[0]).toMatchObject({
      subject: 'CN=good-ca',
      issuer: 'CN=good-ca',
      isCa: true,
      registryOwn: false,
    });
    expect(check.pem).toBe(good.certPem.trim() + '\n');
  });

  test('a CA that expires within 30 days, with a warning that says when', () => {
    const check = checkCaCert(soon.certPem, { host: HOST });
    expect(check.warnings).toHaveLength(1);
    expect(check.warnings[0]).toMatch(
      /\(subject "CN=soon-ca"\) expires in 9 day\(s\), on \d{4}-\d\d-\d\d .*: renew it before then/,
    );
  });

  test('a CA that expires in 31 days has no warning, one in 29 days has', () => {
    const validTo = checkCaCert(good.certPem, { host: HOST }).certs[0]!.validTo.getTime();
    const at = (daysBefore: number) => new Date(validTo - daysBefore * 86_400_000);
    expect(checkCaCert(good.certPem, { host: HOST, now: at(31) }).warnings).toEqual([]);
    expect(checkCaCert(good.certPem, { host: HOST, now: at(29) }).warnings).toHaveLength(1);
  });

  test("the registry's own self-signed certificate (not a CA, but names the host)", () => {
    for (const host of ['127.0.0.1:5443', 'localhost:5000', 'localhost']) {
      const check = checkCaCert(ownSelfSigned, { host });
      expect(check.certs[0]).toMatchObject({ isCa: false, registryOwn: true });
    }
  });

  test('a bundle of two CAs', () => {
    expect(checkCaCert(good.certPem + soon.certPem, { host: HOST }).certs.map((c) => c.subject)).toEqual([
      'CN=good-ca',
      'CN=soon-ca',
    ]);
  });

  test('a "not a CA" certificate made by the rig (isCa: false) is refused as a leaf', () => {
    expect(failure(notCa.certPem)).toMatch(
      /subject "CN=plain-leaf"\) is a self-signed certificate that is neither a CA/,
    );
  });
});

test('formatName and hostName', () => {
  expect(formatName('CN=a\nO=b\n')).toBe('CN=a, O=b');
  expect(hostName('reg.example.com:5000')).toBe('reg.example.com');
  expect(hostName('[::1]:5000')).toBe('::1');
  expect(hostName('localhost')).toBe('localhost');
});
