// The committed bundle installs werf the way a workflow without werf-path meets it (runner emulation, mock GitHub):
// through TUF from a local stand-in for tuf.werf.io (a TUF repository made by the tests, served over TLS with a per-run
// CA given to the job as NODE_EXTRA_CA_CERTS), root pinned with werf-tuf-root, into RUNNER_TOOL_CACHE, then builds and
// pushes to a real TLS registry (its own per-run CA, basic auth). The served "release" is a self-contained shell script
// that execs the werf test double at its absolute path in this repo (the double needs its .mjs files beside it).
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { werfPlatform, werfReleaseTargets } from '../src/werf/install.js';
import { markdownCell } from '../src/summary.js';
import {
  makeSigningKey,
  startReleaseServer,
  type ReleaseServer,
  type TestSigningKey,
} from './support/release-server/index.js';
import { werfChannelRepository, type TestTufRepository } from './support/release-server/tuf-repo.js';
import {
  issueServerCert,
  makeCa,
  runToolOk,
  skopeoArgsFor,
  startRegistry,
  stopAll,
  type Registry,
  type TestCa,
} from './support/rig/index.js';
import { TestJobs, filesBelow, leftInRunnerTemp, WERF_DOUBLE, type Scenario } from './support/scenario.js';
import type { JobResult } from './support/runner.js';

// The channel names a version other than the double's default (2.75.3), so the output proves where it came from.
const VERSION = '2.76.1';
const PLATFORM = werfPlatform(process.platform, process.arch);
const CHANNEL = 'channels/2/stable';
const { binary: RELEASE, signature: SIGNATURE } = werfReleaseTargets(VERSION, PLATFORM);

let ca: TestCa;
let releaseCa: TestCa;
let registry: Registry;
let server: ReleaseServer;
let repo: TestTufRepository;
let key: TestSigningKey;
let fixtures: string;
let release: Buffer;
let signature: Buffer;
const tests = new TestJobs();

beforeAll(async () => {
  [ca, releaseCa] = await Promise.all([makeCa({ cn: 'install-e2e-ca' }), makeCa({ cn: 'install-e2e-release-ca' })]);
  fixtures = fs.mkdtempSync(path.join(os.tmpdir(), 'install-e2e-'));
  const cert = await issueServerCert(releaseCa, fixtures);
  [registry, server] = await Promise.all([
    startRegistry({ ca, auth: 'basic' }),
    startReleaseServer({ tls: { cert: cert.certPem, key: fs.readFileSync(cert.keyPath, 'utf8') } }),
  ]);
  key = makeSigningKey('Werf E2E Release');
  const releaseFile = path.join(fixtures, 'werf');
  fs.writeFileSync(releaseFile, `#!/bin/sh\nexec '${WERF_DOUBLE}' "$@"\n`);
  release = fs.readFileSync(releaseFile);
  signature = key.sign(releaseFile);
});

afterAll(async () => {
  tests.cleanup();
  if (fixtures) fs.rmSync(fixtures, { recursive: true, force: true });
  key?.dispose();
  await server?.stop();
  await releaseCa?.remove();
  await stopAll();
});

beforeEach(() => {
  repo = werfChannelRepository(server, { version: VERSION, platform: PLATFORM, binary: release, signature });
});

/** A fresh, empty RUNNER_TOOL_CACHE that outlives single jobs (so a second job can hit it); removed after all. */
function toolCache(): string {
  return fs.mkdtempSync(path.join(fixtures, 'tool-cache-'));
}

/** One job of a workflow that installs werf (no werf-path) and builds into the TLS registry. */
async function ship(
  cache: string,
  repoName: string,
  extra: Record<string, string> = {},
): Promise<{ job: JobResult; s: Scenario }> {
  const s = tests.scenario();
  const pin = repo.pin();
  const job = await s.run(
    {
      'werf-path': '',
      'werf-base-url': repo.url,
      'werf-version': '2 stable',
      'werf-tuf-root': `${pin.version} ${pin.sha512}`,
      repo: `${registry.host}/${repoName}`,
      username: registry.username,
      password: registry.password,
      'ca-cert': ca.certPem,
      command: 'build',
      // The nodes trust the CA and pull with a secret, so the pull check has nothing to report.
      'node-trust': 'ca-cert',
      'image-pull-secret': 'regcred',
      ...extra,
    },
    { toolCache: cache, env: { WERF_DOUBLE_VERSION: VERSION, NODE_EXTRA_CA_CERTS: releaseCa.certPath } },
  );
  tests.track(job);
  return { job, s };
}

const errors = (job: JobResult) => job.main.annotations.filter((a) => a.level === 'error');
const cachedWerf = (cache: string, arch = PLATFORM) => path.join(cache, 'werf', VERSION, arch, 'werf');
const unverified = { 'werf-verify-signature': 'false' };

describe('installing werf through TUF from a stand-in for tuf.werf.io, through the bundle', () => {
  test('first job: pinned root, signed "2 stable" and binary, cached; then builds, pushes and verifies; summary says how', async () => {
    const cache = toolCache();
    const { job, s } = await ship(cache, 'install/first');

    expect({ exit: job.main.exitCode, errors: errors(job) }).toEqual({ exit: 0, errors: [] });
    expect(job.outputs['werf-version']).toBe(VERSION);
    expect(job.outputs['werf-path']).toBe(cachedWerf(cache));
    expect(fs.readFileSync(cachedWerf(cache)).equals(release)).toBe(true);
    expect(job.main.addedPath).toContain(path.dirname(cachedWerf(cache)));
    expect(job.main.stdout).toContain(`werf ${VERSION} has the signed length and hashes; cached in`);
    expect(job.summary).toContain(
      `werf ${VERSION}: verified through TUF from ${repo.url} (root pinned at version 12).`,
    );

    expect(s.werfCalls().map((c) => c.argv.slice(0, 2).join(' '))).toEqual(['cr login', 'build --repo', 'cr logout']);
    const images = JSON.parse(job.outputs.images ?? '{}') as Record<string, { image: string; digest: string }>;
    expect(Object.keys(images)).toEqual(['app']);
    expect(images.app?.image).toMatch(new RegExp(`^${registry.host}/install/first:[0-9a-f]{56}-\\d{13}$`));
    expect(job.outputs.verified).toBe('true');
    // Independently of the action's own check: the pushed manifest is in the registry under the reported digest.
    const raw = await runToolOk('skopeo', [
      'inspect',
      '--raw',
      ...skopeoArgsFor(registry, 'inspect', 'install/first'),
      `docker://${registry.host}/install/first@${images.app?.digest}`,
    ]);
    expect(`sha256:${createHash('sha256').update(raw).digest('hex')}`).toBe(images.app?.digest);

    // No key fetched at run time: TUF metadata and the two targets, nothing else.
    expect(server.requested()).toEqual({
      '/12.root.json': 1,
      '/13.root.json': 1,
      '/timestamp.json': 1,
      '/snapshot.json': 1,
      '/targets.json': 1,
      [`/targets/${CHANNEL}`]: 1,
      [`/targets/${RELEASE}`]: 1,
    });
    expect(job.post?.exitCode).toBe(0);
    expect(leftInRunnerTemp(job)).toEqual([]);
  });

  test('second job with the same tool cache and werf-signing-key: no werf download, the PGP signature checked too', async () => {
    const cache = toolCache();
    const first = await ship(cache, 'install/warm');
    expect(first.job.main.exitCode).toBe(0);
    server.requests.clear();

    const { job, s } = await ship(cache, 'install/hit', { 'werf-signing-key': key.publicKeyArmored });
    expect({ exit: job.main.exitCode, errors: errors(job) }).toEqual({ exit: 0, errors: [] });
    expect(job.outputs['werf-version']).toBe(VERSION);
    expect(job.outputs['werf-path']).toBe(cachedWerf(cache));
    expect(job.main.stdout).toContain(`werf ${VERSION} (${PLATFORM}) is in the runner's tool cache and has the signed`);
    expect(job.main.stdout).toMatch(new RegExp(`The PGP signature of werf ${VERSION.replace(/\./g, '\\.')} is good`));
    // Zero bytes of werf: the next-root probe, the timestamp, and the small signature file.
    expect(server.requested()).toEqual({ '/13.root.json': 1, '/timestamp.json': 1, [`/targets/${SIGNATURE}`]: 1 });
    expect(s.werfCalls().some((c) => c.argv[0] === 'build')).toBe(true);
    expect(job.outputs.verified).toBe('true');
  });

  test('a job without verification, then one with it (same tool cache): the second downloads and verifies', async () => {
    const cache = toolCache();
    const first = await ship(cache, 'install/unchecked', unverified);
    expect({ exit: first.job.main.exitCode, errors: errors(first.job) }).toEqual({ exit: 0, errors: [] });
    expect(first.job.outputs['werf-path']).toBe(cachedWerf(cache, `${PLATFORM}-unverified`));
    expect(first.job.main.annotations).toContainEqual(
      expect.objectContaining({
        level: 'warning',
        message: `werf-verify-signature is false: werf ${VERSION} from ${repo.url} runs without any verification.`,
      }),
    );
    expect(server.count('/timestamp.json')).toBe(0);
    expect(server.count(`/targets/${RELEASE}`)).toBe(1);

    const { job } = await ship(cache, 'install/checked');
    expect({ exit: job.main.exitCode, errors: errors(job) }).toEqual({ exit: 0, errors: [] });
    expect(job.outputs['werf-path']).toBe(cachedWerf(cache));
    expect(server.count(`/targets/${RELEASE}`)).toBe(2);
    expect(server.count('/timestamp.json')).toBe(1);
    expect(job.outputs.verified).toBe('true');
  });

  test('a tampered binary cached by a job without verification is never run by a job with it', async () => {
    // The tampered "release" leaves a mark each time it runs, then behaves like werf.
    const mark = path.join(fixtures, 'tampered-ran');
    server.files.set(`/targets/${RELEASE}`, `#!/bin/sh\necho >> '${mark}'\nexec '${WERF_DOUBLE}' "$@"\n`);
    const cache = toolCache();
    const first = await ship(cache, 'install/unchecked-tampered', unverified);
    expect(first.job.main.exitCode).toBe(0);
    expect(fs.existsSync(mark)).toBe(true); // the unchecked job did run it: that is what false means
    fs.rmSync(mark);

    const { job, s } = await ship(cache, 'install/checked-tampered');
    expect(job.main.exitCode).toBe(1);
    expect(errors(job).map((a) => a.message)).toEqual([
      expect.stringMatching(/does not match the signed TUF metadata of .*: the download was altered or damaged/),
    ]);
    expect(fs.existsSync(mark)).toBe(false);
    expect(s.werfCalls()).toEqual([]);
    expect(fs.existsSync(path.dirname(cachedWerf(cache)))).toBe(false);
    expect(leftInRunnerTemp(job)).toEqual([]);
  });

  test('a tampered binary: the job fails with one clear line before any werf run; no werf in the tool cache', async () => {
    server.files.set(`/targets/${RELEASE}`, Buffer.concat([release, Buffer.from('echo tampered\n')]));
    const cache = toolCache();
    const { job, s } = await ship(cache, 'install/tampered');

    expect(job.main.exitCode).toBe(1);
    expect(errors(job).map((a) => a.message)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^werf ${VERSION.replace(/\./g, '\\.')} \\(${PLATFORM}\\) downloaded from ${repo.url.replace(/\./g, '\\.')}/targets/${RELEASE} does not match the signed TUF metadata of .*: the download was altered or damaged; nothing was installed\\.$`,
        ),
      ),
    ]);
    expect(job.outputs['werf-path']).toBeUndefined();
    expect(s.werfCalls()).toEqual([]);
    // Only the verified TUF metadata is kept (for the next run's rollback protection); no werf.
    expect(filesBelow(cache).filter((f) => !f.startsWith('werf-tuf/'))).toEqual([]);
    expect(leftInRunnerTemp(job)).toEqual([]);
    expect(server.count(`/targets/${RELEASE}`)).toBe(1);
  });

  test("werf's own pin against this repository: one clear line naming both hashes, nothing installed", async () => {
    const cache = toolCache();
    const { job, s } = await ship(cache, 'install/pin', { 'werf-tuf-root': '' });
    expect(job.main.exitCode).toBe(1);
    expect(errors(job).map((a) => a.message)).toEqual([
      `The TUF root ${repo.url}/12.root.json has SHA-512 ${repo.pin().sha512}, but werf-tuf-root pins e1d3c7bcfdf473fe1466c5e9d9030bea0fed857d0563db1407754d2795256e4d063b099156807346cdcdc21d747326cc43f96fa2cacda5f1c67c8349fe09894d: it is not the root you trust; nothing was installed. Check werf-base-url, and werf-tuf-root for a mirror with its own root.`,
    ]);
    expect(s.werfCalls()).toEqual([]);
    expect(filesBelow(cache)).toEqual([]);
    expect(server.requested()).toEqual({ '/12.root.json': 1 });
  });

  test('werf-path with a local build (`werf version` says `dev`): accepted; the output, log and summary say the version is unknown', async () => {
    const s = tests.scenario();
    const job = await s.run(
      {
        repo: `${registry.host}/install/dev`,
        username: registry.username,
        password: registry.password,
        'ca-cert': ca.certPem,
        command: 'build',
        'node-trust': 'ca-cert',
        'image-pull-secret': 'regcred',
      },
      { env: { WERF_DOUBLE_VERSION: 'dev' } },
    );
    tests.track(job);
    expect({ exit: job.main.exitCode, errors: errors(job) }).toEqual({ exit: 0, errors: [] });
    expect(job.outputs['werf-version']).toBe('dev');
    expect(job.outputs['werf-path']).toBe(WERF_DOUBLE);
    expect(job.main.stdout).toContain('is a local build: `werf version` says "dev", so its version is unknown.');
    expect(job.summary).toContain(
      // The path is escaped for markdown like any text the summary did not write itself.
      `werf of unknown version (\`werf version\` says \`dev\`): ${markdownCell(`werf-path ${WERF_DOUBLE} (a local build)`)}.`,
    );
    expect(s.werfCalls().some((c) => c.argv[0] === 'build')).toBe(true);
    expect(server.requests.size).toBe(0);
  });
});
