// The Docker daemon stage against a REAL dockerd (Debian's docker.io 20.10, started by the rig on its own socket),
// through the committed bundle (runner emulation: mock GitHub), with the werf double pushing werf's stages through that
// daemon. The registries listen on a test host in a network namespace (198.18.0.0/15): the daemon treats loopback as
// insecure. The daemon reads CAs only from the real /etc/docker/certs.d, so these jobs use the real path (no
// redirection) and every test checks that nothing is left there.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import {
  startDockerd,
  stopAll,
  type Dockerd,
  type Registry,
  type TestCa,
  type TestHost,
} from '../support/rig/index.js';
import { daemonTags, startDaemonRegistries } from '../support/daemon-scene.js';
import { TestJobs, failureLine, leftInRunnerTemp, type Scenario } from '../support/scenario.js';
import type { JobResult, RunOptions } from '../support/runner.js';
import { checkDockerDaemon } from '../../src/daemon/index.js';
import { parseInputs } from '../../src/inputs.js';

const DOCKER_CERTS = '/etc/docker/certs.d';

let host: TestHost;
let ca: TestCa;
let tls: Registry;
let http: Registry;
/** knows nothing of the registries: the daemon as a fresh runner has it */
let plain: Dockerd;
/** lists both registries in its insecure-registries (an admin configured it) */
let configured: Dockerd;
let certsDirExisted: boolean;
const tests = new TestJobs();

beforeAll(async () => {
  certsDirExisted = fs.existsSync(DOCKER_CERTS);
  ({ host, ca, tls, http } = await startDaemonRegistries('daemon-test-ca'));
  [plain, configured] = await Promise.all([
    startDockerd(),
    startDockerd({ 'insecure-registries': [tls.host, http.host] }),
  ]);
}, 60_000);

afterEach(() => {
  // A failed test must not leave this run's CA where every daemon on the machine reads it.
  for (const r of [tls, http]) fs.rmSync(path.join(DOCKER_CERTS, r.host), { recursive: true, force: true });
  if (!certsDirExisted && fs.existsSync(DOCKER_CERTS) && fs.readdirSync(DOCKER_CERTS).length === 0)
    fs.rmdirSync(DOCKER_CERTS);
});

afterAll(async () => {
  tests.cleanup();
  await stopAll();
}, 60_000);

/** What the daemon shows of itself: its registry settings, the bytes of its config file, our hosts' certs.d folders. */
async function daemonState(d: Dockerd) {
  return {
    registryConfig: await d.registryConfig(),
    configFile: fs.readFileSync(d.configFile, 'utf8'),
    certsDirs: [tls.host, http.host].filter((h) => fs.existsSync(path.join(DOCKER_CERTS, h))),
  };
}

/** A job against daemon `d`: the real /etc/docker/certs.d (no redirection), DOCKER_HOST = the daemon's socket. */
async function runWith(
  d: Dockerd,
  s: Scenario,
  inputs: Record<string, string>,
  opts: RunOptions & { env?: Record<string, string> } = {},
): Promise<JobResult> {
  const env = {
    DOCKER_HOST: d.host,
    WERF_SHIP_DOCKER_CERTS_DIR: '',
    WERF_DOUBLE_DOCKER_CERTS_DIR: '',
    ...opts.env,
  };
  return tests.run(s, { command: 'build', 'verify-pull': 'off', ...inputs }, { ...opts, env });
}

const scenario = () => tests.scenario(['app']);
describe('a daemon that knows nothing of the registry', () => {
  test('TLS with ca-cert: the CA goes to /etc/docker/certs.d/HOST:PORT/ca.crt, the daemon pushes the stages, post removes it', async () => {
    const s = scenario();
    const before = await daemonState(plain);
    let afterMain: Awaited<ReturnType<typeof daemonState>> | undefined;
    let caFile = '';
    const job = await runWith(
      plain,
      s,
      {
        repo: `${tls.host}/shop/stages`,
        username: tls.username,
        password: tls.password,
        'ca-cert': ca.certPem,
      },
      {
        afterMain: async () => {
          afterMain = await daemonState(plain);
          caFile = fs.readFileSync(path.join(DOCKER_CERTS, tls.host, 'ca.crt'), 'utf8');
        },
      },
    );
    expect({ exit: job.main.exitCode, failure: failureLine(job) }).toEqual({ exit: 0, failure: undefined });
    expect(job.outputs.verified).toBe('true');
    // The daemon itself pushed: it holds the stage image under the tag werf reported, and werf said so.
    const image = JSON.parse(job.outputs.images ?? '{}').app as { image: string };
    expect(await daemonTags(plain)).toContain(image.image);
    expect(job.main.stdout).toContain(`through the Docker daemon at ${plain.host}`);
    expect(job.main.stdout).toContain(`The push refers to repository [${tls.host}/shop/stages]`);
    // After main: the CA where the daemon reads it; the daemon's settings and config file untouched.
    expect(caFile).toContain(ca.certPem.trim());
    expect(afterMain).toEqual({ ...before, certsDirs: [tls.host] });
    // The stage said why it is fine.
    expect(job.main.stdout).toContain(
      `pushes to ${tls.host}: the daemon trusts the CA in ${DOCKER_CERTS}/${tls.host}/.`,
    );
    // After post: nothing left.
    expect(job.post?.exitCode).toBe(0);
    expect(await daemonState(plain)).toEqual(before);
    expect(leftInRunnerTemp(job)).toEqual([]);
  });

  test('TLS without ca-cert: fails before the build naming ca-cert and skip-tls-verify; the daemon untouched', async () => {
    const s = scenario();
    const before = await daemonState(plain);
    const tagsBefore = await daemonTags(plain);
    const job = await runWith(plain, s, {
      repo: `${tls.host}/shop/stages`,
      username: tls.username,
      password: tls.password,
    });
    expect(job.main.exitCode).toBe(1);
    const failure = failureLine(job) ?? '';
    expect(failure).toContain(`${tls.host} serves a certificate that the runner's system CAs do not trust`);
    expect(failure).toContain('"ca-cert"');
    expect(failure).toContain('"skip-tls-verify: true"');
    expect(s.werfCalls().map((c) => c.argv[0])).toEqual(['version']);
    expect(await daemonState(plain)).toEqual(before);
    expect(await daemonTags(plain)).toEqual(tagsBefore);
  });

  test('docker-daemon: check and skip-tls-verify: fails before the build with the exact daemon.json line and kill -HUP', async () => {
    const s = scenario();
    const before = await daemonState(plain);
    let afterMain: Awaited<ReturnType<typeof daemonState>> | undefined;
    const job = await runWith(
      plain,
      s,
      {
        repo: `${tls.host}/shop/stages`,
        username: tls.username,
        password: tls.password,
        'skip-tls-verify': 'true',
        'docker-daemon': 'check',
      },
      { afterMain: async () => void (afterMain = await daemonState(plain)) },
    );
    expect(job.main.exitCode).toBe(1);
    const list = `"insecure-registries": ["${tls.host}"]`;
    expect(failureLine(job)).toBe(
      `The Docker daemon at ${plain.host} will not push werf's stages to ${tls.host}: skip-tls-verify does not reach the daemon, which verifies ${tls.host}'s certificate, as ${tls.host} is not in its insecure-registries, and does not trust it: its push would fail with "x509: certificate signed by unknown authority". ` +
        `On the runner, set ${list} in ${plain.configFile}, then reload the daemon: sudo kill -HUP ${plain.pid}; or give the registry's CA in ca-cert instead of skip-tls-verify (the action installs it where the daemon looks). ` +
        'docker-daemon: check changes nothing; nothing was built.',
    );
    // The log has the whole file as it should read: its own bytes, the entry added in place.
    const wanted = before.configFile.replace(/\n}\n$/, `,\n  "insecure-registries": ["${tls.host}"]\n}`);
    expect(job.main.stdout).toContain(`${plain.configFile} should read:\n${wanted}\nthen: sudo kill -HUP ${plain.pid}`);
    // Before the build, before the login: werf ran only for its version; nothing changed on the daemon.
    expect(s.werfCalls().map((c) => c.argv[0])).toEqual(['version']);
    expect(afterMain).toEqual(before);
    expect(await daemonState(plain)).toEqual(before);
  });

  test('plain HTTP (docker-daemon: auto, not a GitHub-hosted runner): fails before the build, the daemon would speak HTTPS to it', async () => {
    const s = scenario();
    const before = await daemonState(plain);
    const job = await runWith(plain, s, { repo: `${http.host}/shop/stages`, 'insecure-registry': 'true' });
    expect(job.main.exitCode).toBe(1);
    expect(failureLine(job)).toBe(
      `The Docker daemon at ${plain.host} will not push werf's stages to ${http.host}: ${http.host} speaks plain HTTP (insecure-registry), but the daemon speaks HTTPS to it, as ${http.host} is not in its insecure-registries: its push would fail with "http: server gave HTTP response to HTTPS client". ` +
        `On the runner, set "insecure-registries": ["${http.host}"] in ${plain.configFile}, then reload the daemon: sudo kill -HUP ${plain.pid}; or serve the registry over HTTPS. ` +
        'docker-daemon: auto changes the daemon only on GitHub-hosted runners (set docker-daemon: configure to have the action add the entry for this job and take it out in the post step); nothing was built.',
    );
    expect(s.werfCalls().map((c) => c.argv[0])).toEqual(['version']);
    expect(await daemonState(plain)).toEqual(before);
  });
});

describe('a daemon that already lists the registries in insecure-registries', () => {
  test.each([
    [
      'skip-tls-verify',
      () => ({
        repo: `${tls.host}/shop/stages`,
        username: tls.username,
        password: tls.password,
        'skip-tls-verify': 'true',
      }),
    ],
    ['plain HTTP', () => ({ repo: `${http.host}/shop/stages`, 'insecure-registry': 'true' })],
  ])('%s: the stage changes nothing and the daemon pushes', async (_name, inputs) => {
    const s = scenario();
    const before = await daemonState(configured);
    let afterMain: Awaited<ReturnType<typeof daemonState>> | undefined;
    const job = await runWith(configured, s, inputs(), {
      afterMain: async () => void (afterMain = await daemonState(configured)),
    });
    expect({ exit: job.main.exitCode, failure: failureLine(job) }).toEqual({ exit: 0, failure: undefined });
    expect(job.outputs.verified).toBe('true');
    const image = JSON.parse(job.outputs.images ?? '{}').app as { image: string };
    expect(await daemonTags(configured)).toContain(image.image);
    const registry = inputs().repo.split('/')[0];
    expect(job.main.stdout).toContain(
      `pushes to ${registry}: insecure for the daemon: its insecure-registries lists ${registry}.`,
    );
    expect(job.annotations.filter((a) => a.properties.title === 'Docker daemon')).toEqual([]);
    expect(afterMain).toEqual(before);
    expect(await daemonState(configured)).toEqual(before);
    expect(leftInRunnerTemp(job)).toEqual([]);
  });
});

describe('docker-daemon: off, and what werf says then (who pushed, from what the action knows)', () => {
  test('skip-tls-verify: the real daemon push fails with x509; the fix is the daemon, never the input that is set', async () => {
    const s = scenario();
    const before = await daemonState(plain);
    const job = await runWith(plain, s, {
      repo: `${tls.host}/shop/stages`,
      username: tls.username,
      password: tls.password,
      'skip-tls-verify': 'true',
      'docker-daemon': 'off',
    });
    expect(job.main.exitCode).toBe(1);
    // The daemon's own words, wrapped by werf's (quoted: the container backend); werf's stderr is logged on stdout,
    // inside the stop-commands block.
    expect(job.main.stdout).toMatch(
      new RegExp(
        `^Error: unable to push image "${tls.host.replace(/\./g, '\\.')}/shop/stages:[0-9a-f]{56}-\\d{13}": Get "https://${tls.host.replace(/\./g, '\\.')}/v2/": x509: certificate signed by unknown authority$`,
        'm',
      ),
    );
    const failure = failureLine(job) ?? '';
    expect(failure).toMatch(
      new RegExp(
        `^werf build failed: the Docker daemon could not verify the TLS certificate of ${tls.host.replace(/\./g, '\\.')} \\(x509: certificate signed by unknown authority\\)\\. skip-tls-verify is set, but werf's TLS flags never reach the Docker daemon`,
      ),
    );
    expect(failure).toContain(`"insecure-registries": ["${tls.host}"]`);
    expect(failure).not.toMatch(/Set skip-tls-verify|skip-tls-verify: true/);
    expect(await daemonState(plain)).toEqual(before);
  });

  test('plain HTTP: the real daemon push meets HTTP; the fix is the daemon, not "set insecure-registry"', async () => {
    const s = scenario();
    const job = await runWith(plain, s, {
      repo: `${http.host}/shop/stages`,
      'insecure-registry': 'true',
      'docker-daemon': 'off',
    });
    expect(job.main.exitCode).toBe(1);
    expect(job.main.stdout).toContain(
      `": Get "https://${http.host}/v2/": http: server gave HTTP response to HTTPS client`,
    );
    const failure = failureLine(job) ?? '';
    expect(failure).toMatch(
      /^werf build failed: .* met by the Docker daemon\. insecure-registry is set, but werf's --insecure-registry never reaches the Docker daemon/,
    );
    expect(failure).toContain(`"insecure-registries": ["${http.host}"]`);
    expect(failure).not.toContain('Set insecure-registry');
  });
});

describe('the stage called directly', () => {
  const inputsFor = (raw: Record<string, string>) => parseInputs((name) => raw[name] ?? '', process.cwd());

  test('a daemon that cannot be reached: a warning, and the job goes on', async () => {
    const s = scenario();
    const job = await tests.run(s, {
      repo: `${http.host}/shop/stages`,
      'insecure-registry': 'true',
      command: 'build',
      'verify-pull': 'off',
    });
    const warning = job.main.annotations.find((a) => a.properties.title === 'Docker daemon');
    expect(warning?.message).toBe(
      `Cannot check the Docker daemon at ${s.env.DOCKER_HOST} (connect ENOENT ${s.env.DOCKER_HOST?.slice(7)}): the action cannot tell whether it will push werf's stages to ${http.host}, which needs to be in its insecure-registries (insecure-registry); werf fails if the daemon does not. With the Buildah backend, set docker-daemon: off.`,
    );
    // ...and werf ran: the daemon check stops a job only when it knows.
    expect(s.werfCalls().map((c) => c.argv[0])).toContain('build');
  });

  test('the Buildah backend: the daemon is not asked', async () => {
    const inputs = inputsFor({ repo: `${http.host}/x`, 'insecure-registry': 'true' });
    expect(await checkDockerDaemon(inputs, { DOCKER_HOST: plain.host, WERF_BUILDAH_MODE: 'auto' })).toEqual({
      state: 'skipped',
      reason: 'buildah',
    });
  });

  test('a CIDR entry covers the test host: the registry is insecure for the daemon, by that entry', async () => {
    const cidr = await startDockerd({ 'insecure-registries': ['198.18.0.0/15'] });
    try {
      const report = await checkDockerDaemon(inputsFor({ repo: `${http.host}/x`, 'insecure-registry': 'true' }), {
        DOCKER_HOST: cidr.host,
      });
      expect(report).toMatchObject({
        state: 'checked',
        treatments: {
          [http.host]: {
            insecure: true,
            because: `${host.address} is in 198.18.0.0/15, which its insecure-registries lists`,
          },
        },
        plan: { problems: [] },
      });
    } finally {
      await cidr.stop();
    }
  }, 60_000);
});
