import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import {
  SYSTEM_BUNDLES,
  checkCredentials,
  describeTlsError,
  systemRoots,
  trustedContext,
  type RegistryAccess,
} from '../../src/registry/index.js';
import {
  makeCa,
  makeTempDir,
  removeTempDir,
  runTool,
  startRegistry,
  stopAll,
  type Registry,
  type TestCa,
} from '../support/rig/index.js';

// The registry client's "system" trust is werf's (Go's): SSL_CERT_FILE when set, else the OS bundle. A real registry
// signed by a per-run "corporate" CA, the client, and skopeo (Go) side by side must agree.
let corporate: TestCa;
let other: TestCa;
let reg: Registry;
let work: string;
let withCorporate: string;
const savedCertFile = process.env.SSL_CERT_FILE;

const access = (over: Partial<RegistryAccess> = {}): RegistryAccess => ({
  host: reg.host,
  scheme: 'https',
  trust: 'system',
  username: reg.username,
  password: reg.password,
  ...over,
});

/** Go's verdict with the same environment: skopeo reaches /v2/ (then a manifest 404) or fails with x509. */
async function goVerdict(): Promise<'trusted' | 'x509'> {
  const env = { ...process.env };
  const out = await runTool(
    'skopeo',
    ['inspect', '--raw', '--creds', `${reg.username}:${reg.password}`, `docker://${reg.host}/none:1`],
    { env },
  );
  if (/x509: certificate signed by unknown authority/.test(out.output)) return 'x509';
  expect(out.output).toMatch(/manifest unknown|MANIFEST_UNKNOWN|not found/i);
  return 'trusted';
}

function setCertFile(file: string | undefined): void {
  if (file === undefined) delete process.env.SSL_CERT_FILE;
  else process.env.SSL_CERT_FILE = file;
}

beforeAll(async () => {
  work = await makeTempDir('registry-roots');
  [corporate, other] = await Promise.all([
    makeCa({ cn: 'corporate-ca', days: 365 }),
    makeCa({ cn: 'other-ca', days: 365 }),
  ]);
  reg = await startRegistry({ ca: corporate, auth: 'basic' });
  // What a self-hosted runner with the corporate CA in its OS store looks like: the OS bundle plus that CA.
  withCorporate = join(work, 'os-bundle-with-corporate.pem');
  writeFileSync(withCorporate, `${systemRoots({}).pem.trimEnd()}\n${corporate.certPem}`);
}, 60_000);

afterEach(() => setCertFile(savedCertFile));

afterAll(async () => {
  await stopAll();
  await removeTempDir(work);
});

describe('systemRoots: the bundle Go reads', () => {
  it("SSL_CERT_FILE when it names a file, else the first OS bundle, else Node's own roots", () => {
    expect(systemRoots({ SSL_CERT_FILE: withCorporate })).toMatchObject({ source: withCorporate });
    const osBundle = SYSTEM_BUNDLES.find((f) => existsSync(f));
    expect(osBundle).toBeDefined(); // this machine has one (ca-certificates)
    expect(systemRoots({}).source).toBe(osBundle);
    expect(systemRoots({ SSL_CERT_FILE: join(work, 'missing.pem') }).source).toBe(osBundle);
    expect(systemRoots({}).pem).not.toContain(corporate.certPem.trim());
    expect(rootCertificates.length).toBeGreaterThan(100);
  });

  it('one SecureContext per distinct set of roots, reused; a changed bundle gets a new one', () => {
    const env = { SSL_CERT_FILE: withCorporate };
    expect(trustedContext(undefined, env)).toBe(trustedContext(undefined, env));
    expect(trustedContext(other.certPem, env)).toBe(trustedContext(other.certPem, env));
    expect(trustedContext(other.certPem, env)).not.toBe(trustedContext(undefined, env));
    expect(trustedContext(undefined, {})).not.toBe(trustedContext(undefined, env));
  });
});

describe("the client trusts what werf trusts (real registry, skopeo as Go's witness)", () => {
  it("'system' with SSL_CERT_FILE holding the corporate CA reaches the registry, like Go", async () => {
    setCertFile(withCorporate);
    await expect(checkCredentials(access())).resolves.toBeUndefined();
    expect(await goVerdict()).toBe('trusted');
  });

  it("'system' without it fails with the x509 sentence, like Go", async () => {
    setCertFile(undefined);
    const err = await checkCredentials(access()).catch((e: unknown) => e);
    expect((err as Error).message).toBe(
      `The certificate of ${reg.host} is signed by a CA this runner does not trust (UNABLE_TO_VERIFY_LEAF_SIGNATURE): give that CA in ca-cert, or set skip-tls-verify.`,
    );
    expect(describeTlsError(err, reg.host)).toBe((err as Error).message);
    expect(await goVerdict()).toBe('x509');
  });

  it("'ca' is the system bundle plus the CA: another registry's CA still leaves the corporate roots trusted", async () => {
    setCertFile(withCorporate);
    await expect(checkCredentials(access({ trust: 'ca', ca: other.certPem }))).resolves.toBeUndefined();
    setCertFile(undefined);
    await expect(checkCredentials(access({ trust: 'ca', ca: corporate.certPem }))).resolves.toBeUndefined();
    const err = await checkCredentials(access({ trust: 'ca', ca: other.certPem })).catch((e: unknown) => e);
    expect(describeTlsError(err, reg.host)).toMatch(/signed by a CA this runner does not trust/);
  });
});
