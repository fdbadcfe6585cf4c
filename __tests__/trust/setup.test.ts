import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { run as post } from '../../src/post.js';
import { setUpTrust } from '../../src/trust/index.js';
import { checkCredentials, describeTlsError, systemRoots } from '../../src/registry/index.js';
import { makeCa, runTool, startRegistry, stopAll, type Registry, type TestCa } from '../support/rig/index.js';
import { inputsFor, registry } from '../support/inputs.js';
import { listFiles, startFakeRunner, undoFiles, type FakeRunner } from './runner-env.js';

// Real registries (Distribution, TLS with a per-run CA, and plain HTTP), real Go TLS (skopeo) and a real Node child
// check what was installed; the system certs dirs are temp dirs (WERF_SHIP_*_CERTS_DIR, the werf double's twin too).
let ca: TestCa;
let wrongCa: TestCa;
let expiredCa: TestCa;
let tlsReg: Registry;
let httpReg: Registry;
let runner: FakeRunner;
let dockerCerts: string;
let containersCerts: string;

function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(
    listFiles(dir).map((f) => {
      const p = path.join(dir, f);
      return [f, fs.statSync(p).isDirectory() ? '<dir>' : fs.readFileSync(p, 'utf8')];
    }),
  );
}

function certCount(pem: string): number {
  return (pem.match(/-----BEGIN CERTIFICATE-----/g) ?? []).length;
}

async function failureOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected a failure');
}

beforeAll(async () => {
  [ca, wrongCa, expiredCa] = await Promise.all([
    makeCa({ cn: 'setup-ca', days: 365 }),
    makeCa({ cn: 'wrong-ca', days: 365 }),
    makeCa({ cn: 'expired-ca', notBefore: '2020-01-01T00:00:00Z', notAfter: '2021-01-01T00:00:00Z' }),
  ]);
  [tlsReg, httpReg] = await Promise.all([startRegistry({ ca, auth: 'none' }), startRegistry({ tls: false })]);
  runner = startFakeRunner();
  dockerCerts = path.join(runner.dir, 'etc', 'docker', 'certs.d');
  containersCerts = path.join(runner.dir, 'etc', 'containers', 'certs.d');
  process.env.WERF_SHIP_DOCKER_CERTS_DIR = dockerCerts;
  process.env.WERF_DOUBLE_DOCKER_CERTS_DIR = dockerCerts;
  process.env.WERF_SHIP_CONTAINERS_CERTS_DIR = containersCerts;
  // Buildah's dir already has a CA for this registry (set up by someone else): it must stay trusted and come back.
  fs.mkdirSync(path.join(containersCerts, tlsReg.host), { recursive: true });
  fs.writeFileSync(path.join(containersCerts, tlsReg.host, 'ca.crt'), wrongCa.certPem);
});

// Each test is a fresh main step: what an earlier test exported (SSL_CERT_FILE ...) is not in its environment.
const original = { SSL_CERT_FILE: process.env.SSL_CERT_FILE, NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS };
beforeEach(() => {
  for (const [name, value] of Object.entries(original)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

afterAll(async () => {
  runner.stop();
  await stopAll();
});

describe('a registry with ca-cert', () => {
  test('the CA is installed where werf, Node, the Docker daemon and Buildah look, and the post step undoes exactly that', async () => {
    const etc = path.join(runner.dir, 'etc');
    const before = snapshot(etc);
    const journalBefore = runner.journal().length;
    const rootCount = certCount(systemRoots().pem);

    const trust = await setUpTrust(inputsFor([registry(tlsReg.host, { caCert: ca.certPem })]));

    // werf (Go): the bundle REPLACES Go's default, so it holds every system root plus the CA.
    const bundle = fs.readFileSync(trust.env.SSL_CERT_FILE as string, 'utf8');
    expect(certCount(bundle)).toBe(rootCount + 1);
    expect(bundle).toContain(ca.certPem.trim());
    expect(fs.readFileSync(trust.env.NODE_EXTRA_CA_CERTS as string, 'utf8')).toContain(ca.certPem.trim());
    expect(runner.exportedEnv()).toMatchObject(trust.env);
    expect(trust.env.SSL_CERT_FILE!.startsWith(runner.runnerTemp)).toBe(true);

    // The daemon's and Buildah's places; Buildah's earlier CA is kept next to ours.
    expect(fs.readFileSync(path.join(dockerCerts, tlsReg.host, 'ca.crt'), 'utf8')).toBe(ca.certPem);
    const buildah = fs.readFileSync(path.join(containersCerts, tlsReg.host, 'ca.crt'), 'utf8');
    expect(buildah).toContain(wrongCa.certPem.trim());
    expect(buildah).toContain(ca.certPem.trim());

    expect(trust.werfFlags).toEqual({ skipTlsVerifyRegistry: false, insecureRegistry: false });
    expect(trust.access(tlsReg.host)).toMatchObject({ scheme: 'https', trust: 'ca', ca: ca.certPem });
    expect(runner.warnings()).toEqual([]);

    // A real Go client (skopeo): x509 failure without the bundle, TLS works with SSL_CERT_FILE or the certs.d file.
    const inspect = (args: string[], env: NodeJS.ProcessEnv) =>
      runTool('skopeo', ['inspect', '--raw', ...args, `docker://${tlsReg.host}/none:1`], { env });
    const envWithout = { ...process.env };
    delete envWithout.SSL_CERT_FILE;
    expect((await inspect([], envWithout)).output).toMatch(/x509: certificate signed by unknown authority/);
    const withBundle = await inspect([], { ...envWithout, SSL_CERT_FILE: trust.env.SSL_CERT_FILE });
    expect(withBundle.output).not.toMatch(/x509|certificate/);
    expect(withBundle.output).toMatch(/manifest unknown|MANIFEST_UNKNOWN|not found/i);
    const withCertsDir = await inspect(['--cert-dir', path.join(dockerCerts, tlsReg.host)], envWithout);
    expect(withCertsDir.output).not.toMatch(/x509|certificate/);

    // A real Node child with NODE_EXTRA_CA_CERTS reaches the registry.
    const node = await runTool(
      process.execPath,
      [
        '-e',
        `fetch('${tlsReg.url}/v2/').then((r) => console.log('status', r.status), (e) => console.log('error', e.cause?.code))`,
      ],
      { env: { ...envWithout, NODE_EXTRA_CA_CERTS: trust.env.NODE_EXTRA_CA_CERTS } },
    );
    expect(node.stdout.trim()).toBe('status 200');

    const entries = runner.journal().slice(journalBefore);
    expect(entries.map((e) => e.kind).sort()).toEqual([
      'owned-file',
      'owned-file',
      'remove-dir',
      'restore-env',
      'restore-env',
    ]);
    expect(await undoFiles(runner.journal())).toEqual([]);
    expect(snapshot(etc)).toEqual(before);
    expect(listFiles(runner.runnerTemp)).toEqual([]);
  });

  test('the bundle is for werf and later steps: this process\'s "system" trust stays the runner\'s own', async () => {
    const n = runner.journal().length;
    const trust = await setUpTrust(inputsFor([registry(tlsReg.host, { caCert: ca.certPem })]));
    expect(runner.exportedEnv().SSL_CERT_FILE).toBe(trust.env.SSL_CERT_FILE);
    expect(process.env.SSL_CERT_FILE).toBe(original.SSL_CERT_FILE);
    expect(process.env.NODE_EXTRA_CA_CERTS).toBe(original.NODE_EXTRA_CA_CERTS);
    // The nodes' view ("system") does not pick up the CA the action installed; the registry's own access does.
    const asNode = await checkCredentials({ ...trust.access(tlsReg.host), trust: 'system' }).catch((e: unknown) => e);
    expect(describeTlsError(asNode, tlsReg.host)).toMatch(/signed by a CA this runner does not trust/);
    await expect(checkCredentials(trust.access(tlsReg.host))).resolves.toBeUndefined();
    await undoFiles(runner.journal().slice(n));
  });

  test('a system place that cannot be written: a warning with the exact command, and nothing recorded for it', async () => {
    process.env.WERF_SHIP_DOCKER_CERTS_DIR = '/dev/null/certs.d';
    try {
      const journalBefore = runner.journal().length;
      await setUpTrust(inputsFor([registry(tlsReg.host, { caCert: ca.certPem })]));
      const warning = runner.warnings().find((w) => w.includes('/dev/null/certs.d'));
      expect(warning).toContain(
        `Could not install the CA for ${tlsReg.host} where the Docker daemon looks (/dev/null/certs.d/${tlsReg.host}/ca.crt)`,
      );
      expect(warning).toContain(
        `run on the runner: sudo install -D -m 0644 ca.crt /dev/null/certs.d/${tlsReg.host}/ca.crt`,
      );
      const paths = runner
        .journal()
        .slice(journalBefore)
        .map((e) => ('path' in e ? e.path : ''));
      expect(paths.some((p) => p.startsWith('/dev/null'))).toBe(false);
      await undoFiles(runner.journal().slice(journalBefore));
    } finally {
      process.env.WERF_SHIP_DOCKER_CERTS_DIR = dockerCerts;
    }
  });
});

describe('places that already hold a CA', () => {
  test('the Docker daemon and Buildah both hold their own file for the host: the real post step restores each byte for byte', async () => {
    const dockerFile = path.join(dockerCerts, tlsReg.host, 'ca.crt');
    const buildahFile = path.join(containersCerts, tlsReg.host, 'ca.crt');
    // Different bytes in each (one without a final newline): a shared backup would bring the same file back twice.
    const dockerBefore = Buffer.from(expiredCa.certPem.trimEnd());
    const buildahBefore = fs.readFileSync(buildahFile);
    fs.mkdirSync(path.dirname(dockerFile), { recursive: true });
    fs.writeFileSync(dockerFile, dockerBefore);
    const n = runner.journal().length;
    const savedJournal = process.env.STATE_cleanup;
    try {
      await setUpTrust(inputsFor([registry(tlsReg.host, { caCert: ca.certPem })]));
      for (const [file, before] of [
        [dockerFile, dockerBefore],
        [buildahFile, buildahBefore],
      ] as const) {
        const now = fs.readFileSync(file, 'utf8');
        expect(now).toContain(before.toString().trim());
        expect(now).toContain(ca.certPem.trim());
      }
      const entries = runner.journal().slice(n);
      const owned = entries.filter((e) => e.kind === 'owned-file');
      expect(owned.map((e) => e.path).sort()).toEqual([buildahFile, dockerFile].sort());
      // A backup beside each file, with that file's own bytes.
      expect(fs.readFileSync(`${dockerFile}.werf-ship.orig`).equals(dockerBefore)).toBe(true);
      expect(fs.readFileSync(`${buildahFile}.werf-ship.orig`).equals(buildahBefore)).toBe(true);

      // The post step as the runner runs it: it reads the journal from the state the main step saved.
      process.env.STATE_cleanup = JSON.stringify(entries);
      const warningsBefore = runner.warnings().length;
      await post();
      expect(fs.readFileSync(dockerFile).equals(dockerBefore)).toBe(true);
      expect(fs.readFileSync(buildahFile).equals(buildahBefore)).toBe(true);
      expect(listFiles(path.dirname(dockerFile))).toEqual(['ca.crt']);
      expect(listFiles(path.dirname(buildahFile))).toEqual(['ca.crt']);
      expect(runner.warnings().slice(warningsBefore)).toEqual([]);
    } finally {
      if (savedJournal === undefined) delete process.env.STATE_cleanup;
      else process.env.STATE_cleanup = savedJournal;
      fs.rmSync(path.dirname(dockerFile), { recursive: true, force: true });
    }
  });
});

describe('a runner that is not Linux', () => {
  test.each(['darwin', 'win32'] as const)(
    'ca-cert on %s: one clear failure before anything is installed',
    async (platform) => {
      const n = runner.journal().length;
      const exported = runner.exportedEnv();
      const message = await failureOf(setUpTrust(inputsFor([registry(tlsReg.host, { caCert: ca.certPem })]), platform));
      expect(message).toBe(
        `ca-cert is installed for werf only on Linux runners, and this runner is ${platform} (ca-cert given for ${tlsReg.host}): install the CA in the system trust store of this runner and leave ca-cert empty, or use a Linux runner.`,
      );
      expect(runner.journal().length).toBe(n);
      expect(listFiles(dockerCerts)).toEqual([]);
      expect(runner.exportedEnv()).toEqual(exported);
    },
  );

  test('no ca-cert on darwin: nothing to install, the stage works', async () => {
    const trust = await setUpTrust(inputsFor([registry(tlsReg.host, { skipTlsVerify: true })]), 'darwin');
    expect(trust.access(tlsReg.host)).toMatchObject({ trust: 'skip-verify' });
    expect(trust.env).toEqual({});
  });
});

describe('a ca-cert that reaches a publicly trusted registry too', () => {
  test('the system roots verify it: no error, and the CA is not installed for that registry', async () => {
    // The "system" bundle holds the registry's CA, as a public registry's root is in the OS bundle.
    const bundle = path.join(runner.dir, 'system-bundle.pem');
    fs.writeFileSync(bundle, `${systemRoots().pem}\n${ca.certPem}`);
    process.env.SSL_CERT_FILE = bundle;
    const n = runner.journal().length;
    const trust = await setUpTrust(inputsFor([registry(tlsReg.host, { caCert: wrongCa.certPem })]));
    expect(runner.stdout()).toContain(`${tlsReg.host} is verified by the system roots; ca-cert is not needed for it`);
    expect(trust.env).toEqual({});
    expect(runner.journal().length).toBe(n);
    expect(listFiles(dockerCerts)).toEqual([]);
  });
});

describe('failures before anything is installed', () => {
  const nothingWritten = (journalBefore: number) => {
    expect(runner.journal().length).toBe(journalBefore);
    expect(listFiles(dockerCerts)).toEqual([]);
  };

  test('the wrong CA: names the served issuer and the given subject', async () => {
    const n = runner.journal().length;
    const message = await failureOf(setUpTrust(inputsFor([registry(tlsReg.host, { caCert: wrongCa.certPem })])));
    expect(message).toBe(
      `The "ca-cert" for ${tlsReg.host} does not sign the certificate the registry serves: it serves "CN=localhost" issued by "CN=setup-ca", but ca-cert is "CN=wrong-ca" (UNABLE_TO_VERIFY_LEAF_SIGNATURE). Give the CA that issued it ("CN=setup-ca").`,
    );
    nothingWritten(n);
  });

  test('an expired CA: the dates, and no handshake needed', async () => {
    const n = runner.journal().length;
    const message = await failureOf(
      setUpTrust(inputsFor([registry('unreachable.invalid:1', { caCert: expiredCa.certPem })])),
    );
    expect(message).toMatch(
      /^The "ca-cert" for unreachable\.invalid:1 \(subject "CN=expired-ca"\) expired on 2021-01-01 00:00:00 UTC/,
    );
    nothingWritten(n);
  });

  test('no ca-cert for a registry signed by a private CA: names the registry and both fixes', async () => {
    const n = runner.journal().length;
    const message = await failureOf(setUpTrust(inputsFor([registry(tlsReg.host)])));
    expect(message).toContain(`${tlsReg.host} serves a certificate that the runner's system CAs do not trust`);
    expect(message).toContain('give that CA in "ca-cert" (recommended), or set "skip-tls-verify: true"');
    nothingWritten(n);
  });

  test('a plain-HTTP registry without insecure-registry', async () => {
    const message = await failureOf(setUpTrust(inputsFor([registry(httpReg.host)])));
    expect(message).toMatch(
      /answers plain HTTP, not TLS: if the registry really has no TLS, set "insecure-registry: true"/,
    );
  });

  test('several problems are reported together', async () => {
    const message = await failureOf(
      setUpTrust(inputsFor([registry(tlsReg.host, { caCert: wrongCa.certPem }), registry(httpReg.host)])),
    );
    expect(message).toMatch(/^2 registry TLS checks failed: /);
  });
});

describe('deliberately unverified or unencrypted', () => {
  test('skip-tls-verify: werf flag, per-registry access, a warning, nothing installed', async () => {
    const n = runner.journal().length;
    const trust = await setUpTrust(inputsFor([registry(tlsReg.host, { skipTlsVerify: true })]));
    expect(trust.werfFlags).toEqual({ skipTlsVerifyRegistry: true, insecureRegistry: false });
    expect(trust.access(tlsReg.host)).toMatchObject({ scheme: 'https', trust: 'skip-verify' });
    expect(trust.access('other.example.com')).toMatchObject({ scheme: 'https', trust: 'system' });
    expect(trust.env).toEqual({});
    expect(runner.warnings().some((w) => w.startsWith(`TLS verification is OFF for ${tlsReg.host}`))).toBe(true);
    expect(runner.journal().length).toBe(n);
  });

  test('a registries list with one TLS registry (CA) and one plain-HTTP registry', async () => {
    const n = runner.journal().length;
    const trust = await setUpTrust(
      inputsFor([registry(tlsReg.host, { caCert: ca.certPem }), registry(httpReg.host, { insecureRegistry: true })]),
    );
    expect(trust.werfFlags).toEqual({ skipTlsVerifyRegistry: false, insecureRegistry: true });
    expect(trust.access(httpReg.host)).toMatchObject({ scheme: 'http' });
    expect(trust.access(tlsReg.host)).toMatchObject({ scheme: 'https', trust: 'ca' });
    expect(fs.existsSync(path.join(dockerCerts, httpReg.host))).toBe(false);
    expect(fs.readFileSync(path.join(dockerCerts, tlsReg.host, 'ca.crt'), 'utf8')).toBe(ca.certPem);
    const extra = fs.readFileSync(trust.env.NODE_EXTRA_CA_CERTS as string, 'utf8');
    expect(extra).toContain(ca.certPem.trim());
    expect(extra).not.toContain(wrongCa.certPem.trim());
    expect(await undoFiles(runner.journal().slice(n))).toEqual([]);
    expect(listFiles(dockerCerts)).toEqual([]);
  });
});
