// Installs werf from a local stand-in for tuf.werf.io (no internet here), with signatures made by a throwaway gnupg key.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { ActionError } from '../../src/errors.js';
import { WERF_TUF_ROOT, type Inputs } from '../../src/inputs.js';
import {
  installWerf,
  parseWerfVersion,
  WERF_RELEASE_KEY_URL,
  werfPlatform,
  werfReleaseUrls,
} from '../../src/werf/install.js';
import {
  makeSigningKey,
  startReleaseServer,
  type ReleaseServer,
  type TestSigningKey,
} from '../support/release-server/index.js';
import { issueServerCert, makeCa, type TestCa } from '../support/rig/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const WERF_DOUBLE = path.resolve(here, '../support/werf-double/werf');
const VERSION = '2.75.3';
const PLATFORM = werfPlatform(process.platform, process.arch);
const RELEASE = `/targets/releases/${VERSION}/${PLATFORM}/bin/werf`;
const SIGNATURE = `/targets/signatures/${VERSION}/${PLATFORM}/bin/werf.sig`;
const KEY = '/werf.asc';
const UNVERIFIED = `${PLATFORM}-unverified`;

let server: ReleaseServer;
let key: TestSigningKey;
let otherKey: TestSigningKey;
let work: string;
let binary: Buffer;
let goodSignature: Buffer;
const savedEnv = { ...process.env };

function inputs(overrides: Partial<Inputs> = {}): Inputs {
  return {
    repo: '127.0.0.1:5000/app',
    finalRepo: '',
    username: '',
    password: '',
    registries: [],
    caCert: '',
    skipTlsVerify: false,
    insecureRegistry: false,
    command: 'converge',
    args: [],
    env: '',
    kubeConfigBase64: '',
    kubeContext: '',
    workingDirectory: '.',
    werfVersion: '2 stable',
    werfPath: '',
    werfBaseUrl: server.url,
    werfVerifySignature: true,
    werfTufRoot: WERF_TUF_ROOT,
    werfSigningKey: key.publicKeyArmored,
    verifyManifests: true,
    verifyPull: 'off',
    nodeTrust: 'system',
    imagePullSecret: '',
    dockerDaemon: 'off',
    logout: true,
    summary: true,
    ...overrides,
  };
}

async function failure(promise: Promise<unknown>): Promise<ActionError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(ActionError);
    return err as ActionError;
  }
  throw new Error('expected installWerf to fail');
}

/** What installWerf printed (core.info goes to stdout), while it ran. */
async function logOf<T>(run: () => Promise<T>): Promise<{ result: T; log: string }> {
  let log = '';
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    log += chunk.toString();
    return true;
  });
  try {
    return { result: await run(), log };
  } finally {
    spy.mockRestore();
  }
}

/** Nothing of werf in the tool cache and no download left in RUNNER_TEMP. */
function expectNothingInstalled(): void {
  expect(fs.existsSync(path.join(work, 'tool-cache', 'werf'))).toBe(false);
  expect(fs.readdirSync(path.join(work, 'temp'))).toEqual([]);
}

beforeAll(async () => {
  key = makeSigningKey('Werf Test Release');
  otherKey = makeSigningKey('Someone Else');
  server = await startReleaseServer();
  binary = fs.readFileSync(WERF_DOUBLE);
  goodSignature = key.sign(WERF_DOUBLE);
});

afterAll(async () => {
  await server?.stop();
  key?.dispose();
  otherKey?.dispose();
});

beforeEach(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'install-test-'));
  for (const dir of ['tool-cache', 'temp']) fs.mkdirSync(path.join(work, dir));
  process.env.RUNNER_TOOL_CACHE = path.join(work, 'tool-cache');
  process.env.RUNNER_TEMP = path.join(work, 'temp');
  process.env.GITHUB_PATH = path.join(work, 'github-path');
  fs.writeFileSync(process.env.GITHUB_PATH, '');
  server.files.clear();
  server.redirects.clear();
  server.requests.clear();
  server.files.set('/targets/channels/2/stable', `${VERSION}\n`);
  server.files.set(RELEASE, binary);
  server.files.set(SIGNATURE, goodSignature);
});

afterEach(() => {
  process.env = { ...savedEnv };
  fs.rmSync(work, { recursive: true, force: true });
});

describe('installWerf from a release server (stand-in for tuf.werf.io)', () => {
  it('resolves the channel, verifies the signature, caches the binary and puts it on PATH', async () => {
    const installed = await installWerf(inputs());

    expect(installed.version).toBe(VERSION);
    expect(installed.path).toBe(path.join(work, 'tool-cache', 'werf', VERSION, PLATFORM, 'werf'));
    expect(fs.readFileSync(installed.path).equals(binary)).toBe(true);
    expect(fs.statSync(installed.path).mode & 0o111).toBe(0o111);
    expect(fs.readFileSync(process.env.GITHUB_PATH as string, 'utf8')).toContain(path.dirname(installed.path));
    expect(server.count('/targets/channels/2/stable')).toBe(1);
    expect(server.count(RELEASE)).toBe(1);
    expect(server.count(SIGNATURE)).toBe(1);
    expect(fs.readdirSync(path.join(work, 'temp'))).toEqual([]);
  });

  it('is a cache hit on the second run: no second download', async () => {
    const first = await installWerf(inputs());
    const second = await installWerf(inputs());

    expect(second).toEqual(first);
    expect(server.count(RELEASE)).toBe(1);
    expect(server.count(SIGNATURE)).toBe(1);
    // The channel is read each time: "2 stable" moves on, and a new version must not be missed.
    expect(server.count('/targets/channels/')).toBe(2);
  });

  it('installs an exact version without reading a channel', async () => {
    const installed = await installWerf(inputs({ werfVersion: `v${VERSION}` }));
    expect(installed.version).toBe(VERSION);
    expect(server.count('/targets/channels/')).toBe(0);
  });

  it('accepts an armored signature', async () => {
    server.files.set(SIGNATURE, key.sign(WERF_DOUBLE, { armor: true }));
    const installed = await installWerf(inputs());
    expect(installed.version).toBe(VERSION);
    expect(server.count(SIGNATURE)).toBe(1);
  });

  it('takes werf-signing-key as text only (inputs.ts reads a path): anything else is refused before any download, unquoted', async () => {
    const keyFile = path.join(work, 'werf.asc');
    fs.writeFileSync(keyFile, key.publicKeyArmored);
    for (const value of [keyFile, 'hunter2-not-a-key']) {
      const err = await failure(installWerf(inputs({ werfSigningKey: value })));
      expect(err.message).toMatch(/^werf-signing-key is not an armored OpenPGP public key/);
      expect(`${err.message}\n${err.details}`).not.toContain(value);
    }
    expect(server.count('/targets/releases/')).toBe(0);
    expectNothingInstalled();
  });

  it('rejects a tampered binary and caches nothing', async () => {
    const tampered = Buffer.concat([binary, Buffer.from('\n// tampered\n')]);
    server.files.set(RELEASE, tampered);
    const err = await failure(installWerf(inputs()));
    expect(err.message).toMatch(/^The signature of werf 2\.75\.3 .* does not match the download: the file was altered/);
    expectNothingInstalled();
  });

  it('rejects a binary signed with another key and caches nothing', async () => {
    server.files.set(SIGNATURE, otherKey.sign(WERF_DOUBLE));
    const err = await failure(installWerf(inputs()));
    expect(err.message).toMatch(/was made by key [0-9A-F]{16}, not by werf-signing-key/);
    expectNothingInstalled();
  });

  it('rejects a missing signature and caches nothing', async () => {
    server.files.delete(SIGNATURE);
    const err = await failure(installWerf(inputs()));
    expect(err.message).toBe(
      `the signature of werf ${VERSION} is missing at ${server.url}${SIGNATURE}: nothing was installed; set werf-verify-signature: false only for a mirror you trust.`,
    );
    expectNothingInstalled();
  });

  it('rejects a signature file that is not a signature', async () => {
    server.files.set(SIGNATURE, 'not a signature\n');
    const err = await failure(installWerf(inputs()));
    expect(err.message).toMatch(/is not an OpenPGP signature/);
    expectNothingInstalled();
  });

  it('rejects an unknown channel by the grammar, before any request', async () => {
    const err = await failure(installWerf(inputs({ werfVersion: '2 nightly' })));
    expect(err.message).toMatch(/^Input "werf-version" must be "GROUP CHANNEL" .* not "2 nightly"\.$/);
    expect(server.requests.size).toBe(0);
    expectNothingInstalled();
  });

  it('rejects a channel the mirror does not publish before downloading anything', async () => {
    const err = await failure(installWerf(inputs({ werfVersion: '1.2 ea' })));
    expect(err.message).toBe(
      `werf's "1.2 ea" channel is not published at ${server.url}: check werf-base-url, or pick another channel or an exact version.`,
    );
    expect(server.count('/targets/channels/1.2/ea')).toBe(1);
    expect(server.count('/targets/releases/')).toBe(0);
    expectNothingInstalled();
  });

  it('rejects a version that is not published', async () => {
    const err = await failure(installWerf(inputs({ werfVersion: '2.99.0' })));
    expect(err.message).toMatch(
      /^werf 2\.99\.0 \(.*\) is not published at .*: check werf-version and werf-base-url\.$/,
    );
    expectNothingInstalled();
  });

  it('rejects a werf-signing-key that is not a key', async () => {
    const err = await failure(installWerf(inputs({ werfSigningKey: '-----BEGIN PGP PUBLIC KEY BLOCK-----\nnope\n' })));
    expect(err.message).toMatch(/^werf-signing-key is not an armored OpenPGP public key/);
    expectNothingInstalled();
  });

  it('skips the signature only when werf-verify-signature is false, and caches that copy apart', async () => {
    server.files.delete(SIGNATURE);
    server.files.set(KEY, key.publicKeyArmored);
    const installed = await installWerf(inputs({ werfVerifySignature: false, werfSigningKey: '' }), {
      releaseKeyUrl: `${server.url}${KEY}`,
    });
    expect(installed.version).toBe(VERSION);
    expect(installed.path).toBe(path.join(work, 'tool-cache', 'werf', VERSION, UNVERIFIED, 'werf'));
    expect(fs.existsSync(path.join(work, 'tool-cache', 'werf', VERSION, PLATFORM))).toBe(false);
    expect(server.count(SIGNATURE)).toBe(0);
    expect(server.count(KEY)).toBe(0);
  });

  it('an unverified copy in the tool cache is never used by a run that verifies: it downloads and verifies', async () => {
    const unverified = await installWerf(inputs({ werfVerifySignature: false }));
    expect([server.count(RELEASE), server.count(SIGNATURE)]).toEqual([1, 0]);

    const verified = await installWerf(inputs());
    expect(verified.path).toBe(path.join(work, 'tool-cache', 'werf', VERSION, PLATFORM, 'werf'));
    expect(verified.path).not.toBe(unverified.path);
    expect(fs.readFileSync(verified.path).equals(binary)).toBe(true);
    expect([server.count(RELEASE), server.count(SIGNATURE)]).toEqual([2, 1]);

    // Once a verified copy exists, both kinds of run take it without a download.
    for (const werfVerifySignature of [true, false]) {
      expect(await installWerf(inputs({ werfVerifySignature }))).toEqual(verified);
    }
    expect(server.count(RELEASE)).toBe(2);
  });

  it('a tampered binary cached by an unverified run: the verifying run rejects the download and never runs the copy', async () => {
    server.files.set(RELEASE, Buffer.concat([binary, Buffer.from('\n// tampered\n')]));
    const unverified = await installWerf(inputs({ werfVerifySignature: false }));

    const err = await failure(installWerf(inputs()));
    expect(err.message).toMatch(/does not match the download: the file was altered/);
    expect(fs.existsSync(path.join(work, 'tool-cache', 'werf', VERSION, PLATFORM))).toBe(false);
    expect(fs.readdirSync(path.join(work, 'temp'))).toEqual([]);
    // A run without the check may take its own kind of copy again (with the warning), without a download.
    const { result: again, log } = await logOf(() => installWerf(inputs({ werfVerifySignature: false })));
    expect(again).toEqual(unverified);
    expect(log).toContain(`::warning::werf-verify-signature is false: werf ${VERSION} from ${server.url} runs`);
    expect(server.count(RELEASE)).toBe(2);
  });

  it('uses werf-path as it is and learns the version from `werf version`', async () => {
    const installed = await installWerf(inputs({ werfPath: WERF_DOUBLE, werfBaseUrl: 'http://127.0.0.1:9' }));
    expect(installed).toEqual({ path: WERF_DOUBLE, version: VERSION });
    expect(server.requests.size).toBe(0);
  });

  it('rejects a werf-path that is not werf', async () => {
    const err = await failure(installWerf(inputs({ werfPath: '/bin/false' })));
    expect(err.message).toBe('werf-path /bin/false did not answer "version" like werf does: is it werf?');
  });

  it('rejects a werf-path that is a folder, and puts nothing of werf-path on PATH', async () => {
    const err = await failure(installWerf(inputs({ werfPath: '/usr/bin' })));
    expect(err.message).toBe('werf-path /usr/bin is not an executable file: give the path of the werf binary.');
    const before = process.env.PATH;
    await installWerf(inputs({ werfPath: WERF_DOUBLE }));
    expect(process.env.PATH).toBe(before);
  });
});

describe("without werf-signing-key: werf's release key is fetched (a local stand-in for werf.io/werf.asc)", () => {
  const keyUrl = () => `${server.url}${KEY}`;
  const airGapped =
    'nothing was downloaded: air-gapped runners must pass werf-signing-key (the key text or the path of a file with it).';

  it("defaults to https://werf.io/werf.asc, as werf's docs do", () => {
    expect(WERF_RELEASE_KEY_URL).toBe('https://werf.io/werf.asc');
  });

  it('fetches the key once, logs its fingerprint, verifies with it; a tool-cache hit fetches no key', async () => {
    server.files.set(KEY, key.publicKeyArmored);
    const { result: installed, log } = await logOf(() =>
      installWerf(inputs({ werfSigningKey: '' }), { releaseKeyUrl: keyUrl() }),
    );
    expect(installed.version).toBe(VERSION);
    expect(fs.readFileSync(installed.path).equals(binary)).toBe(true);
    expect(server.count(KEY)).toBe(1);
    expect(log).toContain(`werf's release key from ${keyUrl()} has fingerprint ${key.fingerprint};`);

    const again = await installWerf(inputs({ werfSigningKey: '' }), { releaseKeyUrl: keyUrl() });
    expect(again).toEqual(installed);
    expect(server.count(KEY)).toBe(1);
    expect(server.count(RELEASE)).toBe(1);
  });

  it('follows a redirect to the key, as curl -L does', async () => {
    server.redirects.set(KEY, '/keys/release.asc');
    server.files.set('/keys/release.asc', key.publicKeyArmored);
    const installed = await installWerf(inputs({ werfSigningKey: '' }), { releaseKeyUrl: keyUrl() });
    expect(installed.version).toBe(VERSION);
    expect(server.count('/keys/release.asc')).toBe(1);
  });

  it('a redirect loop: one clear error, nothing downloaded', async () => {
    server.redirects.set(KEY, '/keys/a.asc');
    server.redirects.set('/keys/a.asc', KEY);
    const err = await failure(installWerf(inputs({ werfSigningKey: '' }), { releaseKeyUrl: keyUrl() }));
    expect(err.message).toMatch(
      new RegExp(`^Could not fetch werf's release key from ${keyUrl().replace(/\./g, '\\.')}`),
    );
    expect(err.message).toContain(airGapped);
    expect(server.count(KEY)).toBeLessThanOrEqual(6);
    expect(server.count('/targets/releases/')).toBe(0);
    expectNothingInstalled();
  });

  describe('from an HTTPS key URL (a per-run CA the process trusts, as a runner trusts werf.io)', () => {
    let ca: TestCa;
    let certDir: string;
    let secure: ReleaseServer;
    const systemCas = tls.getCACertificates('default');

    beforeAll(async () => {
      ca = await makeCa({ cn: 'install-test-ca' });
      certDir = fs.mkdtempSync(path.join(os.tmpdir(), 'install-test-cert-'));
      const cert = await issueServerCert(ca, certDir);
      secure = await startReleaseServer({
        tls: { cert: cert.certPem, key: fs.readFileSync(cert.keyPath, 'utf8') },
      });
      tls.setDefaultCACertificates([...systemCas, ca.certPem]);
    });

    afterAll(async () => {
      tls.setDefaultCACertificates(systemCas);
      await secure?.stop();
      await ca?.remove();
      if (certDir) fs.rmSync(certDir, { recursive: true, force: true });
    });

    beforeEach(() => {
      secure.files.clear();
      secure.redirects.clear();
      secure.requests.clear();
    });

    it('follows an HTTPS-to-HTTPS redirect', async () => {
      secure.redirects.set(KEY, '/keys/release.asc');
      secure.files.set('/keys/release.asc', key.publicKeyArmored);
      const installed = await installWerf(inputs({ werfSigningKey: '' }), { releaseKeyUrl: `${secure.url}${KEY}` });
      expect(installed.version).toBe(VERSION);
      expect(secure.count('/keys/release.asc')).toBe(1);
    });

    it('refuses a key that a redirect brought down to plain HTTP', async () => {
      secure.redirects.set(KEY, `${server.url}/keys/release.asc`);
      server.files.set('/keys/release.asc', key.publicKeyArmored);
      const url = `${secure.url}${KEY}`;
      const err = await failure(installWerf(inputs({ werfSigningKey: '' }), { releaseKeyUrl: url }));
      expect(err.message).toBe(
        `Could not fetch werf's release key from ${url}: it redirects to plain HTTP (${server.url}/keys/release.asc); ${airGapped}`,
      );
      expect(server.count('/targets/releases/')).toBe(0);
      expectNothingInstalled();
    });
  });

  it('a key that did not sign the release is named as the release key in the error', async () => {
    server.files.set(KEY, otherKey.publicKeyArmored);
    const err = await failure(installWerf(inputs({ werfSigningKey: '' }), { releaseKeyUrl: keyUrl() }));
    expect(err.message).toMatch(
      new RegExp(`was made by key [0-9A-F]{16}, not by werf's release key from ${keyUrl().replace(/\./g, '\\.')}:`),
    );
    expectNothingInstalled();
  });

  it('a 404 for the key: one clear error naming the URL, before any download; nothing cached', async () => {
    const err = await failure(installWerf(inputs({ werfSigningKey: '' }), { releaseKeyUrl: keyUrl() }));
    expect(err.message).toBe(`Could not fetch werf's release key from ${keyUrl()} (it answered 404); ${airGapped}`);
    expect(server.count(KEY)).toBe(1);
    expect(server.count('/targets/releases/')).toBe(0);
    expect(server.count('/targets/signatures/')).toBe(0);
    expectNothingInstalled();
  });

  it('an unreachable key URL (as on an air-gapped runner): the same advice, nothing cached', async () => {
    const closed = 'http://127.0.0.1:9/werf.asc';
    const err = await failure(installWerf(inputs({ werfSigningKey: '' }), { releaseKeyUrl: closed }));
    expect(err.message).toBe(`Could not fetch werf's release key from ${closed}; ${airGapped}`);
    expect(err.details).toMatch(/ECONNREFUSED/);
    expect(server.count('/targets/releases/')).toBe(0);
    expectNothingInstalled();
  });

  it('a key URL that serves a private key: refused as the release key', async () => {
    const secret = execFileSync('gpg', [
      '--batch',
      '--homedir',
      key.home,
      '--pinentry-mode',
      'loopback',
      '--passphrase',
      '',
      '--armor',
      '--export-secret-keys',
    ]);
    expect(secret.toString('utf8')).toContain('-----BEGIN PGP PRIVATE KEY BLOCK-----');
    server.files.set(KEY, secret);
    const err = await failure(installWerf(inputs({ werfSigningKey: '' }), { releaseKeyUrl: keyUrl() }));
    expect(err.message).toMatch(/did not serve an armored OpenPGP public key/);
    expect(err.details).toMatch(/private key/);
    expectNothingInstalled();
  });

  it.each([
    ['an HTML page', '<html><body>Welcome to the hotel Wi-Fi</body></html>\n'],
    [
      'a damaged key block',
      '-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nnot base64 at all\n-----END PGP PUBLIC KEY BLOCK-----\n',
    ],
  ])('a key URL that serves %s: one clear error, nothing downloaded or cached', async (_what, body) => {
    server.files.set(KEY, body);
    const err = await failure(installWerf(inputs({ werfSigningKey: '' }), { releaseKeyUrl: keyUrl() }));
    expect(err.message).toBe(
      `${keyUrl()} did not serve an armored OpenPGP public key, so werf's release key is unknown; nothing was downloaded: pass werf-signing-key (the key text or the path of a file with it).`,
    );
    expect(server.count('/targets/releases/')).toBe(0);
    expectNothingInstalled();
  });
});

describe('pure parts', () => {
  it.each([
    ['2 stable', { kind: 'channel', group: '2', channel: 'stable' }],
    ['1.2  rock-solid', { kind: 'channel', group: '1.2', channel: 'rock-solid' }],
    ['2\tea', { kind: 'channel', group: '2', channel: 'ea' }],
    ['1.2 alpha', { kind: 'channel', group: '1.2', channel: 'alpha' }],
    ['2 beta', { kind: 'channel', group: '2', channel: 'beta' }],
    ['2.75.3', { kind: 'exact', version: '2.75.3' }],
    ['0.0.0', { kind: 'exact', version: '0.0.0' }],
    ['v2.76.0-alpha.1', { kind: 'exact', version: '2.76.0-alpha.1' }],
    ['2.75.3+build.7', { kind: 'exact', version: '2.75.3+build.7' }],
    ['v2.76.0-rc.1+exp.sha.5114f85', { kind: 'exact', version: '2.76.0-rc.1+exp.sha.5114f85' }],
  ])('parses werf-version %j', (value, spec) => expect(parseWerfVersion(value)).toEqual(spec));

  it.each([
    'latest',
    '',
    '2',
    '2.75',
    '3 stable',
    '2 nightly',
    '1.1 stable',
    '2 Stable',
    '2 stable extra',
    'two stable please',
    'stable 2',
    '2.075.3',
    '2.75.3-',
    '2.75.3-alpha..1',
    '2.75.3-01',
    '2.75.3+',
    'V2.75.3',
    'vv2.75.3',
    '2.75.3 2.75.4',
    '2.75.3/../../x',
  ])('rejects werf-version %j with the input message', (value) => {
    expect(() => parseWerfVersion(value)).toThrow(
      new ActionError(
        `Input "werf-version" must be "GROUP CHANNEL" (groups 1.2, 2; channels alpha, beta, ea, stable, rock-solid) or an exact version like 2.75.3, not "${value}".`,
      ),
    );
  });

  it.each([
    ['linux', 'x64', 'linux-amd64'],
    ['darwin', 'arm64', 'darwin-arm64'],
    ['win32', 'x64', 'windows-amd64'],
  ])('names %s/%s as %s', (platform, arch, name) => expect(werfPlatform(platform, arch)).toBe(name));

  it('has no release for other platforms', () => expect(() => werfPlatform('aix', 'ppc64')).toThrow(/werf-path/));

  it('builds the release and signature URLs (werf.exe on Windows)', () => {
    expect(werfReleaseUrls('https://m.example', '2.1.0', 'windows-amd64')).toEqual({
      binary: 'https://m.example/targets/releases/2.1.0/windows-amd64/bin/werf.exe',
      signature: 'https://m.example/targets/signatures/2.1.0/windows-amd64/bin/werf.exe.sig',
    });
  });
});
