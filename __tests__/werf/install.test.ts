// Installs werf through TUF from a local stand-in for tuf.werf.io (no internet here): a TUF repository made by the
// tests with @tufjs/models (ed25519 keys; root, timestamp, snapshot, targets; laid out as trdl publishes it), served
// over real TLS with a per-run CA that the process trusts (as a runner trusts tuf.werf.io's CA). The release server
// counts requests per path, so the tests prove what was (not) downloaded.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { ActionError } from '../../src/errors.js';
import { WERF_TUF_ROOT, type Inputs } from '../../src/inputs.js';
import { inputsFor } from '../support/inputs.js';
import { installWerf, tufStateDir, werfPlatform, werfReleaseTargets } from '../../src/werf/install.js';
import { parseWerfVersion } from '../../src/werf/version.js';
import {
  makeSigningKey,
  startReleaseServer,
  type ReleaseServer,
  type TestSigningKey,
} from '../support/release-server/index.js';
import { makeTufKey, TestTufRepository, werfChannelRepository } from '../support/release-server/tuf-repo.js';
import { issueServerCert, makeCa, type TestCa } from '../support/rig/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const WERF_DOUBLE = path.resolve(here, '../support/werf-double/werf');
const VERSION = '2.75.3';
const PLATFORM = werfPlatform(process.platform, process.arch);
const { binary: RELEASE, signature: SIGNATURE } = werfReleaseTargets(VERSION, PLATFORM);
const CHANNEL = 'channels/2/stable';
const UNVERIFIED = `${PLATFORM}-unverified`;

let ca: TestCa;
let certDir: string;
let server: ReleaseServer;
let repo: TestTufRepository;
let key: TestSigningKey;
let otherKey: TestSigningKey;
let work: string;
let binary: Buffer;
const systemCas = tls.getCACertificates('default');
const savedEnv = { ...process.env };

// A converge whose werf comes from the test's TUF repository under its own root pin.
const inputs = (overrides: Partial<Inputs> = {}): Inputs =>
  inputsFor([], {
    repo: '127.0.0.1:5000/app',
    command: 'converge',
    workingDirectory: '.',
    werfBaseUrl: repo.url,
    werfTufRoot: repo.pin(),
    summary: true,
    ...overrides,
  });

async function failure(promise: Promise<unknown>): Promise<ActionError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(ActionError);
    return err as ActionError;
  }
  throw new Error('expected installWerf to fail');
}

/** What installWerf printed (core.info and annotations go to stdout), while it ran. */
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

const toolCache = () => path.join(work, 'tool-cache');
const cachedWerf = (arch = PLATFORM, version = VERSION) => path.join(toolCache(), 'werf', version, arch, 'werf');
const stateDir = (r = repo) => tufStateDir(toolCache(), r.url, r.pin());

/** Nothing of werf in the tool cache and no download left in RUNNER_TEMP. */
function expectNothingInstalled(): void {
  expect(fs.existsSync(path.join(toolCache(), 'werf'))).toBe(false);
  expect(fs.readdirSync(path.join(work, 'temp'))).toEqual([]);
}

beforeAll(async () => {
  ca = await makeCa({ cn: 'install-test-ca' });
  certDir = fs.mkdtempSync(path.join(os.tmpdir(), 'install-test-cert-'));
  const cert = await issueServerCert(ca, certDir);
  server = await startReleaseServer({ tls: { cert: cert.certPem, key: fs.readFileSync(cert.keyPath, 'utf8') } });
  tls.setDefaultCACertificates([...systemCas, ca.certPem]);
  key = makeSigningKey('Werf Test Release');
  otherKey = makeSigningKey('Someone Else');
  binary = fs.readFileSync(WERF_DOUBLE);
});

afterAll(async () => {
  tls.setDefaultCACertificates(systemCas);
  await server?.stop();
  await ca?.remove();
  if (certDir) fs.rmSync(certDir, { recursive: true, force: true });
  key?.dispose();
  otherKey?.dispose();
});

beforeEach(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'install-test-'));
  for (const dir of ['tool-cache', 'temp']) fs.mkdirSync(path.join(work, dir));
  process.env.RUNNER_TOOL_CACHE = toolCache();
  process.env.RUNNER_TEMP = path.join(work, 'temp');
  process.env.GITHUB_PATH = path.join(work, 'github-path');
  fs.writeFileSync(process.env.GITHUB_PATH, '');
  repo = werfChannelRepository(server, {
    version: VERSION,
    platform: PLATFORM,
    binary,
    signature: key.sign(WERF_DOUBLE),
  });
});

afterEach(() => {
  process.env = { ...savedEnv };
  fs.rmSync(work, { recursive: true, force: true });
});

describe('installWerf through TUF (a stand-in for tuf.werf.io over TLS)', () => {
  it('a fresh runner: trusts the pinned root 12, reads the signed channel, downloads the signed binary, caches it', async () => {
    const { result: installed, log } = await logOf(() => installWerf(inputs()));

    expect(installed.version).toBe(VERSION);
    expect(installed.path).toBe(cachedWerf());
    expect(installed.provenance).toBe(`verified through TUF from ${repo.url} (root pinned at version 12)`);
    expect(fs.readFileSync(installed.path).equals(binary)).toBe(true);
    expect(fs.statSync(installed.path).mode & 0o111).toBe(0o111);
    expect(fs.readFileSync(process.env.GITHUB_PATH as string, 'utf8')).toContain(path.dirname(installed.path));
    // The TUF client workflow, one request each: the pinned root, the probe for a next root, then the top roles.
    expect(server.requested()).toEqual({
      '/12.root.json': 1,
      '/13.root.json': 1,
      '/timestamp.json': 1,
      '/snapshot.json': 1,
      '/targets.json': 1,
      [`/targets/${CHANNEL}`]: 1,
      [`/targets/${RELEASE}`]: 1,
    });
    expect(log).toContain('werf channel "2 stable" is version 2.75.3 (signed).');
    expect(fs.readdirSync(path.join(work, 'temp'))).toEqual([]);
    // The verified metadata is kept in the tool cache for the next run.
    expect(fs.readdirSync(path.join(stateDir(), 'metadata')).sort()).toEqual([
      'root.json',
      'snapshot.json',
      'targets.json',
      'timestamp.json',
    ]);
  });

  it('a cache hit downloads zero bytes of the binary and costs two small requests (next root probe, timestamp)', async () => {
    const first = await installWerf(inputs());
    server.requests.clear();
    const { result: second, log } = await logOf(() => installWerf(inputs()));

    expect(second).toEqual({ ...first, provenance: `${first.provenance}; from the runner's tool cache` });
    expect(server.requested()).toEqual({ '/13.root.json': 1, '/timestamp.json': 1 });
    expect(log).toContain(`werf ${VERSION} (${PLATFORM}) is in the runner's tool cache and has the signed length`);
    expect(log).toContain('(no download; 2 metadata request(s))');
  });

  it('when the repository moved on, only what changed is fetched: the new channel file and the new binary', async () => {
    await installWerf(inputs());
    const next = Buffer.concat([binary, Buffer.from('\n# 2.76.0\n')]);
    repo.targets.set(CHANNEL, Buffer.from('2.76.0\n'));
    repo.targets.set(werfReleaseTargets('2.76.0', PLATFORM).binary, next);
    repo.publish();
    server.requests.clear();

    const installed = await installWerf(inputs());
    expect(installed.version).toBe('2.76.0');
    expect(fs.readFileSync(installed.path).equals(next)).toBe(true);
    expect(server.requested()).toEqual({
      '/13.root.json': 1,
      '/timestamp.json': 1,
      '/snapshot.json': 1,
      '/targets.json': 1,
      [`/targets/${CHANNEL}`]: 1,
      [`/targets/${werfReleaseTargets('2.76.0', PLATFORM).binary}`]: 1,
    });
  });

  it('walks root rotations 12 -> 13 -> 14, each signed by the old and the new root keys', async () => {
    repo.rotateRoot({ root: makeTufKey() });
    repo.rotateRoot({ root: makeTufKey(), timestamp: makeTufKey(), snapshot: makeTufKey() });
    repo.publish();

    const installed = await installWerf(inputs());
    expect(installed.version).toBe(VERSION);
    expect(server.count('/1')).toBe(4); // 12, 13, 14 and the probe for 15
    expect(server.requested()['/15.root.json']).toBe(1);
    const kept = JSON.parse(fs.readFileSync(path.join(stateDir(), 'metadata', 'root.json'), 'utf8')) as {
      signed: { version: number };
    };
    expect(kept.signed.version).toBe(14);
  });

  it('a runner with metadata from root 12 follows a later rotation to 13 (and trusts the new timestamp key)', async () => {
    await installWerf(inputs());
    repo.rotateRoot({ root: makeTufKey(), timestamp: makeTufKey() });
    repo.publish();
    server.requests.clear();

    const installed = await installWerf(inputs());
    expect(installed.version).toBe(VERSION);
    expect(server.requested()).toEqual({
      '/13.root.json': 1,
      '/14.root.json': 1,
      '/timestamp.json': 1,
      '/snapshot.json': 1,
      '/targets.json': 1,
    });
  });

  it('refuses a new root that the previous root keys did not sign; nothing is installed', async () => {
    repo.rotateRoot({ root: makeTufKey() }, (_old, now) => [now]);
    repo.publish();

    const err = await failure(installWerf(inputs()));
    expect(err.message).toBe(
      `werf's TUF metadata at ${repo.url} is not signed by the keys its trusted root names (root was signed by 0/1 keys): the repository or its mirror was altered, or werf-tuf-root pins another repository's root; nothing was installed.`,
    );
    expect(server.count('/targets/')).toBe(0);
    expectNothingInstalled();
  });

  it('a wrong root pin: says both hashes, fetches nothing else', async () => {
    const pinned = 'ab'.repeat(64);
    const err = await failure(installWerf(inputs({ werfTufRoot: { version: 12, sha512: pinned } })));
    expect(err.message).toBe(
      `The TUF root ${repo.url}/12.root.json has SHA-512 ${repo.pin().sha512}, but werf-tuf-root pins ${pinned}: it is not the root you trust; nothing was installed. Check werf-base-url, and werf-tuf-root for a mirror with its own root.`,
    );
    expect(server.requested()).toEqual({ '/12.root.json': 1 });
    expectNothingInstalled();
    expect(fs.existsSync(path.join(stateDir(), 'metadata'))).toBe(false);
  });

  it("werf's own pin against a repository with other roots: refused the same way", async () => {
    const err = await failure(installWerf(inputs({ werfTufRoot: WERF_TUF_ROOT })));
    expect(err.message).toMatch(
      /^The TUF root .*\/12\.root\.json has SHA-512 [0-9a-f]{128}, but werf-tuf-root pins e1d3c7bc/,
    );
    expectNothingInstalled();
  });

  it('an unreachable werf-base-url (as on an air-gapped runner without a mirror): one clear error', async () => {
    const err = await failure(installWerf(inputs({ werfBaseUrl: 'https://127.0.0.1:9' })));
    expect(err.message).toBe('Could not reach werf-base-url https://127.0.0.1:9.');
    expect(err.details).toMatch(/GET https:\/\/127\.0\.0\.1:9\/12\.root\.json: .*ECONNREFUSED|connect ECONNREFUSED/);
    expectNothingInstalled();
  });

  it('a base URL that is no TUF repository (no root of the pinned version)', async () => {
    const err = await failure(installWerf(inputs({ werfBaseUrl: `${server.url}/not-tuf` })));
    expect(err.message).toBe(
      `werf-base-url ${server.url}/not-tuf has no TUF root version 12: ${server.url}/not-tuf/12.root.json answered 404; check werf-base-url (a TUF repository such as https://tuf.werf.io) and werf-tuf-root.`,
    );
    expectNothingInstalled();
  });

  it.each(['timestamp', 'snapshot', 'targets'] as const)(
    'expired %s metadata: says which role and when',
    async (role) => {
      const expired = new Date(Date.now() - 3600_000);
      repo.publish({ expires: { [role]: expired } });

      const err = await failure(installWerf(inputs()));
      expect(err.message).toBe(
        `werf's TUF metadata at ${repo.url} has expired: ${role}.json expired at ${expired.toISOString().replace(/\.\d{3}Z$/, '.000Z')}. The repository is not kept up to date, or something serves an old copy of it (a freeze attack); nothing was installed.`,
      );
      expect(server.count('/targets/')).toBe(0);
      expectNothingInstalled();
    },
  );

  it('rollback: a new timestamp that names an older snapshot than the one this runner verified is refused', async () => {
    repo.publish(); // snapshot version 2
    await installWerf(inputs());
    repo.publish({ snapshotVersion: 1 });

    const err = await failure(installWerf(inputs({ werfVersion: VERSION })));
    expect(err.message).toBe(
      `${repo.url} serves older TUF metadata than this runner already verified (New snapshot version 1 is less than current version 2): a rollback to an earlier state; nothing was installed. If the repository was rebuilt on purpose, delete ${stateDir()} from the runner's tool cache.`,
    );
  });

  it('rollback: an old timestamp served again is refused, and the kept metadata stays as it was', async () => {
    repo.publish();
    await installWerf(inputs());
    const kept = fs.readFileSync(path.join(stateDir(), 'metadata', 'timestamp.json'));
    server.files.set('/timestamp.json', repo.timestamps[0] as Buffer);

    const err = await failure(installWerf(inputs()));
    expect(err.message).toMatch(
      /serves older TUF metadata than this runner already verified \(New timestamp version 1 is less than current version 2\): a rollback/,
    );
    expect(fs.readFileSync(path.join(stateDir(), 'metadata', 'timestamp.json')).equals(kept)).toBe(true);
  });

  it('metadata that does not match the signed hashes (a mirror mixing files) is refused', async () => {
    const snapshot = server.files.get('/snapshot.json') as Buffer;
    server.files.set('/snapshot.json', Buffer.concat([snapshot, Buffer.from(' ')]));
    const err = await failure(installWerf(inputs()));
    expect(err.message).toMatch(
      new RegExp(
        `^werf's TUF metadata at ${repo.url.replace(/\./g, '\\.')} does not match the hashes and lengths that its signed metadata gives for it \\(`,
      ),
    );
    expectNothingInstalled();
  });

  it.each([
    [
      'one byte changed',
      (b: Buffer) => Buffer.concat([b.subarray(0, 100), Buffer.from([b[100]! ^ 1]), b.subarray(101)]),
    ],
    ['bytes appended', (b: Buffer) => Buffer.concat([b, Buffer.from('\n# tampered\n')])],
    ['cut short', (b: Buffer) => b.subarray(0, b.length - 1)],
  ])('a tampered binary (%s) is refused: the download was altered; nothing installed', async (_what, tamper) => {
    server.files.set(`/targets/${RELEASE}`, tamper(binary));
    const err = await failure(installWerf(inputs()));
    expect(err.message).toMatch(
      new RegExp(
        `^werf ${VERSION.replace(/\./g, '\\.')} \\(${PLATFORM}\\) downloaded from ${server.url.replace(/\./g, '\\.')}/targets/${RELEASE} does not match the signed TUF metadata of .* \\((Expected (length|hash) .*|Max length reached: .*)\\): the download was altered or damaged; nothing was installed\\.$`,
      ),
    );
    expectNothingInstalled();
  });

  it('a tampered copy in the tool cache is downloaded again, with a warning, and replaced', async () => {
    const first = await installWerf(inputs());
    fs.appendFileSync(first.path, '\n# tampered in the cache\n');

    const { result: second, log } = await logOf(() => installWerf(inputs()));
    expect(log).toContain(
      `::warning::The copy of werf ${VERSION} in the runner's tool cache (${path.dirname(first.path)}) does not have the signed length and hashes: it was changed after it was cached; downloading it again.`,
    );
    expect(second.path).toBe(first.path);
    expect(fs.readFileSync(second.path).equals(binary)).toBe(true);
    expect(server.count(`/targets/${RELEASE}`)).toBe(2);
  });

  it('an exact version that the signed targets do not list: no such release', async () => {
    const err = await failure(installWerf(inputs({ werfVersion: '2.99.0' })));
    expect(err.message).toBe(
      `werf 2.99.0 is not in the signed TUF metadata of ${repo.url} for ${PLATFORM} (no target releases/2.99.0/${PLATFORM}/bin/werf): there is no such release; check werf-version and werf-base-url.`,
    );
    expect(server.count('/targets/')).toBe(0);
    expectNothingInstalled();
  });

  it('a group and channel the repository does not publish', async () => {
    const err = await failure(installWerf(inputs({ werfVersion: '1.2 ea' })));
    expect(err.message).toBe(
      `werf's "1.2 ea" channel is not in the signed TUF metadata of ${repo.url}: that group and channel are not published there; pick another channel or an exact version, or check werf-base-url.`,
    );
    expect(server.count('/targets/')).toBe(0);
    expectNothingInstalled();
  });

  it('a channel that names a version missing from the signed targets', async () => {
    repo.targets.set(CHANNEL, Buffer.from('2.80.0\n'));
    repo.publish();
    const err = await failure(installWerf(inputs()));
    expect(err.message).toBe(
      `werf's "2 stable" channel names werf 2.80.0, but the signed TUF metadata of ${repo.url} has no ${PLATFORM} build of it (no target releases/2.80.0/${PLATFORM}/bin/werf): the repository or its mirror is incomplete; pick another channel or version.`,
    );
    expect(server.count('/targets/releases/')).toBe(0);
    expectNothingInstalled();
  });

  it('a channel file altered on the server is refused like the binary', async () => {
    server.files.set(`/targets/${CHANNEL}`, '2.75.4\n');
    const err = await failure(installWerf(inputs()));
    expect(err.message).toMatch(
      /^the "2 stable" channel file downloaded from .* does not match the signed TUF metadata/,
    );
    expect(server.count('/targets/releases/')).toBe(0);
    expectNothingInstalled();
  });

  it('a mirror under a path prefix of werf-base-url, with its own root pinned in werf-tuf-root', async () => {
    const mirror = new TestTufRepository(server, '/mirror/werf', 3);
    mirror.targets.set(CHANNEL, Buffer.from(`${VERSION}\n`));
    mirror.targets.set(RELEASE, binary);
    mirror.publish();
    server.requests.clear();

    const installed = await installWerf(inputs({ werfBaseUrl: mirror.url, werfTufRoot: mirror.pin() }));
    expect(installed.version).toBe(VERSION);
    expect(installed.provenance).toBe(`verified through TUF from ${mirror.url} (root pinned at version 3)`);
    expect(Object.keys(server.requested()).every((p) => p.startsWith('/mirror/werf/'))).toBe(true);
    expect(server.requested()).toEqual({
      '/mirror/werf/3.root.json': 1,
      '/mirror/werf/4.root.json': 1,
      '/mirror/werf/timestamp.json': 1,
      '/mirror/werf/snapshot.json': 1,
      '/mirror/werf/targets.json': 1,
      [`/mirror/werf/targets/${CHANNEL}`]: 1,
      [`/mirror/werf/targets/${RELEASE}`]: 1,
    });
    // Its metadata is kept apart from the other repository's.
    expect(stateDir(mirror)).not.toBe(stateDir());
    expect(fs.existsSync(path.join(stateDir(mirror), 'metadata', 'root.json'))).toBe(true);
  });

  it('damaged metadata kept in the tool cache: a warning, then a fresh start from the pinned root', async () => {
    await installWerf(inputs());
    fs.writeFileSync(path.join(stateDir(), 'metadata', 'root.json'), '{"half": ');
    server.requests.clear();

    const { result, log } = await logOf(() => installWerf(inputs()));
    expect(result.version).toBe(VERSION);
    expect(log).toContain(`::warning::The TUF metadata of ${repo.url} kept in ${stateDir()} is damaged`);
    expect(server.requested()['/12.root.json']).toBe(1);
    expect(server.count(`/targets/${RELEASE}`)).toBe(0);
  });

  it('windows-arm64: a clear error before any request (werf releases no such build)', async () => {
    const err = await failure(installWerf(inputs(), { platform: 'win32', arch: 'arm64' }));
    expect(err.message).toBe(
      'werf publishes no release for windows-arm64 (only linux and darwin on amd64 and arm64, and windows-amd64): nothing was downloaded; run this job on one of those, or pass werf-path with a werf built for windows-arm64.',
    );
    expect(server.requests.size).toBe(0);
    for (const unverified of [false, true]) {
      await failure(installWerf(inputs({ werfVerifySignature: !unverified }), { platform: 'win32', arch: 'arm64' }));
    }
    expect(server.requests.size).toBe(0);
    expectNothingInstalled();
  });

  it('windows-amd64 takes werf.exe from the signed targets', async () => {
    const exe = werfReleaseTargets(VERSION, 'windows-amd64').binary;
    repo.targets.set(exe, binary);
    repo.publish();
    const installed = await installWerf(inputs(), { platform: 'win32', arch: 'x64' });
    expect(installed.path).toBe(path.join(toolCache(), 'werf', VERSION, 'windows-amd64', 'werf.exe'));
    expect(server.count(`/targets/${exe}`)).toBe(1);
  });
});

describe('werf-signing-key: the PGP signature as an extra check (openpgp loaded only then)', () => {
  it('checks the signed signature target with the key; a cache hit checks again without downloading werf', async () => {
    const { result: installed, log } = await logOf(() => installWerf(inputs({ werfSigningKey: key.publicKeyArmored })));
    expect(installed.provenance).toBe(
      `verified through TUF from ${repo.url} (root pinned at version 12) and by its PGP signature`,
    );
    expect(log).toMatch(
      new RegExp(`The PGP signature of werf ${VERSION.replace(/\./g, '\\.')} is good \\(key [0-9A-F]{16}\\)`),
    );
    expect(server.count(`/targets/${SIGNATURE}`)).toBe(1);

    await installWerf(inputs({ werfSigningKey: key.publicKeyArmored }));
    expect(server.count(`/targets/${SIGNATURE}`)).toBe(2);
    expect(server.count(`/targets/${RELEASE}`)).toBe(1);
  });

  it('a release signed by another key is refused; nothing installed', async () => {
    repo.targets.set(SIGNATURE, otherKey.sign(WERF_DOUBLE));
    repo.publish();
    const err = await failure(installWerf(inputs({ werfSigningKey: key.publicKeyArmored })));
    expect(err.message).toMatch(
      /^The signature of werf 2\.75\.3 .* was made by key [0-9A-F]{16}, not by werf-signing-key/,
    );
    expectNothingInstalled();
  });

  it('a release without a signature target: refused with the way out', async () => {
    repo.targets.delete(SIGNATURE);
    repo.publish();
    const err = await failure(installWerf(inputs({ werfSigningKey: key.publicKeyArmored })));
    expect(err.message).toBe(
      `werf ${VERSION} (${PLATFORM}) has no PGP signature in the signed TUF metadata of ${repo.url} (no target ${SIGNATURE}): nothing was installed; leave werf-signing-key empty to rely on TUF alone.`,
    );
    expectNothingInstalled();
  });

  it('a werf-signing-key that is not a key: refused before any request, unquoted', async () => {
    for (const value of ['hunter2-not-a-key', '-----BEGIN PGP PUBLIC KEY BLOCK-----\nnope\n']) {
      const err = await failure(installWerf(inputs({ werfSigningKey: value })));
      expect(err.message).toMatch(/^werf-signing-key is not an armored OpenPGP public key/);
      expect(`${err.message}\n${err.details}`).not.toContain(value);
    }
    expect(server.requests.size).toBe(0);
    expectNothingInstalled();
  });

  it('no key fetched at run time: without werf-signing-key only TUF metadata and targets are requested', async () => {
    await installWerf(inputs());
    expect(
      Object.keys(server.requested()).filter(
        (p) => !/^\/(\d+\.root|timestamp|snapshot|targets)\.json$|^\/targets\//.test(p),
      ),
    ).toEqual([]);
    expect(server.count(`/targets/signatures/`)).toBe(0);
  });
});

describe('werf-verify-signature: false (no TUF, no signature: plain downloads, cached apart, with a warning)', () => {
  it('downloads the channel and binary without metadata and caches them as unverified', async () => {
    const { result: installed, log } = await logOf(() => installWerf(inputs({ werfVerifySignature: false })));
    expect(installed.path).toBe(cachedWerf(UNVERIFIED));
    expect(installed.provenance).toBe(
      `downloaded from ${repo.url} without verification (werf-verify-signature: false)`,
    );
    expect(log).toContain(
      `::warning::werf-verify-signature is false: werf ${VERSION} from ${repo.url} runs without any verification.`,
    );
    expect(server.requested()).toEqual({ [`/targets/${CHANNEL}`]: 1, [`/targets/${RELEASE}`]: 1 });
    expect(fs.existsSync(path.dirname(cachedWerf()))).toBe(false);
  });

  it('werf-signing-key with werf-verify-signature: false is not used, and a warning says so', async () => {
    const { log } = await logOf(() =>
      installWerf(inputs({ werfVerifySignature: false, werfSigningKey: key.publicKeyArmored })),
    );
    expect(log).toContain(
      '::warning::werf-signing-key is not used: werf-verify-signature is false, which turns every check of the download off.',
    );
    expect(server.count('/targets/signatures/')).toBe(0);
  });

  it('a tampered binary cached by an unverified run is never used by a verifying run', async () => {
    server.files.set(`/targets/${RELEASE}`, Buffer.concat([binary, Buffer.from('\n# tampered\n')]));
    const unverified = await installWerf(inputs({ werfVerifySignature: false }));

    const err = await failure(installWerf(inputs()));
    expect(err.message).toMatch(/does not match the signed TUF metadata .*: the download was altered/);
    expect(fs.existsSync(path.dirname(cachedWerf()))).toBe(false);
    // A run without the check takes its own kind of copy again (with the warning), without a download.
    const { result: again, log } = await logOf(() => installWerf(inputs({ werfVerifySignature: false })));
    expect(again).toEqual({ ...unverified, provenance: `${unverified.provenance}; from the runner's tool cache` });
    expect(log).toContain('::warning::werf-verify-signature is false');
    expect(server.count(`/targets/${RELEASE}`)).toBe(2);
  });

  it('once a verified copy exists, an unverified run takes it without a download', async () => {
    const verified = await installWerf(inputs());
    const unverified = await installWerf(inputs({ werfVerifySignature: false }));
    expect(unverified.path).toBe(verified.path);
    expect(server.count(`/targets/${RELEASE}`)).toBe(1);
  });

  it('a channel the mirror does not publish', async () => {
    const err = await failure(installWerf(inputs({ werfVerifySignature: false, werfVersion: '1.2 ea' })));
    expect(err.message).toBe(
      `werf's "1.2 ea" channel is not published at ${repo.url}: check werf-base-url, or pick another channel or an exact version.`,
    );
    expectNothingInstalled();
  });
});

describe('werf-path', () => {
  it('is used as it is; the version is what `werf version` says; no request', async () => {
    const installed = await installWerf(inputs({ werfPath: WERF_DOUBLE, werfBaseUrl: 'https://127.0.0.1:9' }));
    expect(installed).toEqual({ path: WERF_DOUBLE, version: VERSION, provenance: `werf-path ${WERF_DOUBLE}` });
    expect(server.requests.size).toBe(0);
  });

  it('a local build whose `werf version` prints `dev` is accepted, and its version is said to be unknown', async () => {
    const dev = path.join(work, 'werf');
    fs.writeFileSync(dev, '#!/bin/sh\necho dev\n', { mode: 0o755 });
    const { result, log } = await logOf(() => installWerf(inputs({ werfPath: dev })));
    expect(result).toEqual({
      path: dev,
      version: 'dev',
      provenance: `werf-path ${dev} (a local build)`,
    });
    expect(log).toContain(`werf-path ${dev} is a local build: \`werf version\` says "dev", so its version is unknown.`);
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
    ['linux', 'arm64', 'linux-arm64'],
    ['darwin', 'x64', 'darwin-amd64'],
    ['darwin', 'arm64', 'darwin-arm64'],
    ['win32', 'x64', 'windows-amd64'],
  ])('names %s/%s as %s', (platform, arch, name) => expect(werfPlatform(platform, arch)).toBe(name));

  it.each([
    ['win32', 'arm64', 'windows-arm64'],
    ['aix', 'ppc64', 'aix-ppc64'],
    ['linux', 'ia32', 'linux-ia32'],
  ])('has no release for %s/%s', (platform, arch, name) =>
    expect(() => werfPlatform(platform, arch)).toThrow(
      new ActionError(
        `werf publishes no release for ${name} (only linux and darwin on amd64 and arm64, and windows-amd64): nothing was downloaded; run this job on one of those, or pass werf-path with a werf built for ${name}.`,
      ),
    ),
  );

  it('names the release and signature targets (werf.exe on Windows)', () => {
    expect(werfReleaseTargets('2.1.0', 'windows-amd64')).toEqual({
      binary: 'releases/2.1.0/windows-amd64/bin/werf.exe',
      signature: 'signatures/2.1.0/windows-amd64/bin/werf.exe.sig',
    });
  });

  it('keeps the metadata of each repository URL and root pin apart', () => {
    const a = tufStateDir('/cache', 'https://tuf.werf.io', WERF_TUF_ROOT);
    expect(a).toMatch(/^\/cache\/werf-tuf\/[0-9a-f]{16}$/);
    expect(tufStateDir('/cache', 'https://mirror.example/werf', WERF_TUF_ROOT)).not.toBe(a);
    expect(tufStateDir('/cache', 'https://tuf.werf.io', { version: 13, sha512: WERF_TUF_ROOT.sha512 })).not.toBe(a);
  });
});
