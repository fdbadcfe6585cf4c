// The committed bundle installs werf the way a workflow without werf-path meets it (runner emulation, mock GitHub):
// from a local stand-in for tuf.werf.io with a gnupg-signed release, into RUNNER_TOOL_CACHE, then builds and pushes to
// a real TLS registry (per-run CA, basic auth). The served "release" is a self-contained shell script that execs the
// werf test double at its absolute path in this repo (the double needs its .mjs files beside it).
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { werfPlatform } from '../src/werf/install.js';
import {
  makeSigningKey,
  startReleaseServer,
  type ReleaseServer,
  type TestSigningKey,
} from './support/release-server/index.js';
import {
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
const CHANNEL = '/targets/channels/2/stable';
const RELEASE = `/targets/releases/${VERSION}/${PLATFORM}/bin/werf`;
const SIGNATURE = `/targets/signatures/${VERSION}/${PLATFORM}/bin/werf.sig`;

let ca: TestCa;
let registry: Registry;
let server: ReleaseServer;
let key: TestSigningKey;
let fixtures: string;
let release: Buffer;
let signature: Buffer;
const tests = new TestJobs();

beforeAll(async () => {
  ca = await makeCa({ cn: 'install-e2e-ca' });
  [registry, server] = await Promise.all([startRegistry({ ca, auth: 'basic' }), startReleaseServer()]);
  key = makeSigningKey('Werf E2E Release');
  fixtures = fs.mkdtempSync(path.join(os.tmpdir(), 'install-e2e-'));
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
  await stopAll();
});

beforeEach(() => {
  server.files.clear();
  server.requests.clear();
  server.files.set(CHANNEL, `${VERSION}\n`);
  server.files.set(RELEASE, release);
  server.files.set(SIGNATURE, signature);
});

/** A fresh, empty RUNNER_TOOL_CACHE that outlives single jobs (so a second job can hit it); removed after all. */
function toolCache(): string {
  return fs.mkdtempSync(path.join(fixtures, 'tool-cache-'));
}

/** One job of a workflow that installs werf (no werf-path) and builds into the TLS registry. */
async function ship(
  cache: string,
  repo: string,
  extra: Record<string, string> = {},
): Promise<{ job: JobResult; s: Scenario }> {
  const s = tests.scenario();
  const job = await s.run(
    {
      'werf-path': '',
      'werf-base-url': server.url,
      'werf-version': '2 stable',
      'werf-signing-key': key.publicKeyArmored,
      repo: `${registry.host}/${repo}`,
      username: registry.username,
      password: registry.password,
      'ca-cert': ca.certPem,
      command: 'build',
      // The nodes trust the CA and pull with a secret, so the pull check has nothing to report.
      'node-trust': 'ca-cert',
      'image-pull-secret': 'regcred',
      ...extra,
    },
    { toolCache: cache, env: { WERF_DOUBLE_VERSION: VERSION } },
  );
  tests.track(job);
  return { job, s };
}

const errors = (job: JobResult) => job.main.annotations.filter((a) => a.level === 'error');
const cachedWerf = (cache: string, arch = PLATFORM) => path.join(cache, 'werf', VERSION, arch, 'werf');
const unverified = { 'werf-verify-signature': 'false' };

describe('installing werf from a release server (stand-in for tuf.werf.io) through the bundle', () => {
  test('first job: resolves "2 stable", verifies the signature, caches werf, then builds, pushes and verifies', async () => {
    const cache = toolCache();
    const { job, s } = await ship(cache, 'install/first');

    expect({ exit: job.main.exitCode, errors: errors(job) }).toEqual({ exit: 0, errors: [] });
    expect(job.outputs['werf-version']).toBe(VERSION);
    expect(job.outputs['werf-path']).toBe(cachedWerf(cache));
    expect(fs.readFileSync(cachedWerf(cache)).equals(release)).toBe(true);
    expect(job.main.addedPath).toContain(path.dirname(cachedWerf(cache)));
    expect(job.main.stdout).toMatch(new RegExp(`The signature of werf ${VERSION.replace(/\./g, '\\.')} is good`));

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

    expect([server.count(CHANNEL), server.count(RELEASE), server.count(SIGNATURE)]).toEqual([1, 1, 1]);
    expect(job.post?.exitCode).toBe(0);
    expect(leftInRunnerTemp(job)).toEqual([]);
  });

  test('second job with the same tool cache: a cache hit, only the channel pointer is read again', async () => {
    const cache = toolCache();
    const first = await ship(cache, 'install/warm');
    expect(first.job.main.exitCode).toBe(0);
    server.requests.clear();

    const { job, s } = await ship(cache, 'install/hit');
    expect({ exit: job.main.exitCode, errors: errors(job) }).toEqual({ exit: 0, errors: [] });
    expect(job.outputs['werf-version']).toBe(VERSION);
    expect(job.outputs['werf-path']).toBe(cachedWerf(cache));
    expect(job.main.stdout).toContain(`werf ${VERSION} (${PLATFORM}) is in the runner's tool cache`);
    expect([...server.requests]).toEqual([[CHANNEL, 1]]);
    expect(s.werfCalls().some((c) => c.argv[0] === 'build')).toBe(true);
    expect(job.outputs.verified).toBe('true');
  });

  test('a job without the signature check, then one with it (same tool cache): the second downloads and verifies', async () => {
    const cache = toolCache();
    const first = await ship(cache, 'install/unchecked', unverified);
    expect({ exit: first.job.main.exitCode, errors: errors(first.job) }).toEqual({ exit: 0, errors: [] });
    expect(first.job.outputs['werf-path']).toBe(cachedWerf(cache, `${PLATFORM}-unverified`));
    expect(first.job.main.annotations).toContainEqual(
      expect.objectContaining({
        level: 'warning',
        message: `werf-verify-signature is false: werf ${VERSION} from ${server.url} runs without a signature check.`,
      }),
    );
    expect([server.count(RELEASE), server.count(SIGNATURE)]).toEqual([1, 0]);

    const { job } = await ship(cache, 'install/checked');
    expect({ exit: job.main.exitCode, errors: errors(job) }).toEqual({ exit: 0, errors: [] });
    expect(job.outputs['werf-path']).toBe(cachedWerf(cache));
    expect(job.main.stdout).toMatch(new RegExp(`The signature of werf ${VERSION.replace(/\./g, '\\.')} is good`));
    expect([server.count(RELEASE), server.count(SIGNATURE)]).toEqual([2, 1]);
    expect(job.outputs.verified).toBe('true');
  });

  test('a tampered binary cached by a job without the check is never run by a job with it', async () => {
    // The tampered "release" leaves a mark each time it runs, then behaves like werf.
    const mark = path.join(fixtures, 'tampered-ran');
    server.files.set(RELEASE, `#!/bin/sh\necho >> '${mark}'\nexec '${WERF_DOUBLE}' "$@"\n`);
    const cache = toolCache();
    const first = await ship(cache, 'install/unchecked-tampered', unverified);
    expect(first.job.main.exitCode).toBe(0);
    expect(fs.existsSync(mark)).toBe(true); // the unchecked job did run it: that is what false means
    fs.rmSync(mark);

    const { job, s } = await ship(cache, 'install/checked-tampered');
    expect(job.main.exitCode).toBe(1);
    expect(errors(job).map((a) => a.message)).toEqual([
      expect.stringMatching(/^The signature of werf .* does not match the download: the file was altered/),
    ]);
    expect(fs.existsSync(mark)).toBe(false);
    expect(s.werfCalls()).toEqual([]);
    expect(fs.existsSync(path.dirname(cachedWerf(cache)))).toBe(false);
    expect(leftInRunnerTemp(job)).toEqual([]);
  });

  test('a tampered binary: the job fails with one clear line before any werf run; nothing in the tool cache', async () => {
    server.files.set(RELEASE, Buffer.concat([release, Buffer.from('echo tampered\n')]));
    const cache = toolCache();
    const { job, s } = await ship(cache, 'install/tampered');

    expect(job.main.exitCode).toBe(1);
    expect(errors(job).map((a) => a.message)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^The signature of werf ${VERSION.replace(/\./g, '\\.')} \\(.*\\) does not match the download: the file was altered or damaged; nothing was installed\\.$`,
        ),
      ),
    ]);
    expect(job.outputs['werf-path']).toBeUndefined();
    expect(s.werfCalls()).toEqual([]);
    expect(filesBelow(cache)).toEqual([]);
    expect(leftInRunnerTemp(job)).toEqual([]);
    expect([server.count(RELEASE), server.count(SIGNATURE)]).toEqual([1, 1]);
  });
});
