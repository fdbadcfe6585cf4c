// docker-daemon: configure (and auto on a GitHub-hosted runner) against a REAL dockerd (Debian's docker.io 20.10, a
// fresh one per test on its own socket, data and --config-file), through the committed bundle (runner emulation: mock
// GitHub), with the werf test double pushing werf's stages through that daemon. Registries listen on a test host in a
// network namespace (198.18.0.0/15; the daemon treats loopback as insecure). Every test asserts what the daemon really
// has after main and after post: GET /info, its config file's bytes, mode and modification time, and the files beside
// it. No test here writes /etc/docker: each daemon's config file is its own (the trust stage's certs.d is redirected).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { startDockerd, stopAll, type Dockerd, type Registry } from '../support/rig/index.js';
import { daemonTags, startDaemonRegistries } from '../support/daemon-scene.js';
import { TestJobs, failureLine, leftInRunnerTemp, type Scenario } from '../support/scenario.js';
import { repoRoot, type JobResult, type RunOptions, type StepResult } from '../support/runner.js';
import { ConfigureFailed, configureDaemon, decideMode, whyNotConfigure } from '../../src/daemon/configure.js';
import { findDaemonProcess, type DaemonProcess } from '../../src/daemon/process.js';
import { directFiles } from '../../src/system/files.js';
import type { DaemonConfigEntry } from '../../src/state.js';
import type { DaemonProblem } from '../../src/daemon/plan.js';

const GATED_WERF = path.join(repoRoot, '__tests__/support/gated-werf/werf');

let tls: Registry;
let http: Registry;
const tests = new TestJobs();

beforeAll(async () => {
  ({ tls, http } = await startDaemonRegistries('configure-test-ca'));
}, 60_000);

afterAll(async () => {
  tests.cleanup();
  await stopAll();
}, 60_000);

/** What the daemon has: its insecure registries (GET /info), its config file (bytes, mode, mtime), the files beside. */
async function daemonState(d: Dockerd) {
  const rc = await d.registryConfig();
  const insecure = [
    ...rc.InsecureRegistryCIDRs,
    ...Object.entries(rc.IndexConfigs)
      .filter(([, c]) => !c.Secure)
      .map(([name]) => name),
  ].sort();
  const st = fs.statSync(d.configFile, { throwIfNoEntry: false });
  const file = st && {
    text: fs.readFileSync(d.configFile, 'utf8'),
    mode: st.mode & 0o7777,
    mtimeMs: st.mtimeMs,
  };
  const beside = fs
    .readdirSync(path.dirname(d.configFile))
    .filter((n) => n.startsWith(`${path.basename(d.configFile)}.`))
    .sort();
  return { insecure, file, beside };
}

/** Gives the daemon's config file a mode and modification time of its own, so that a restore can be told apart. */
function ageConfigFile(d: Dockerd): void {
  fs.chmodSync(d.configFile, 0o640);
  const past = new Date('2024-03-01T12:00:00Z');
  fs.utimesSync(d.configFile, past, past);
}

/** A build job against daemon `d` (DOCKER_HOST = its socket). */
function runWith(d: Dockerd, s: Scenario, inputs: Record<string, string>, opts: RunOptions = {}): Promise<JobResult> {
  return tests.run(s, jobInputs(inputs), { ...opts, env: { DOCKER_HOST: d.host, ...opts.env } });
}
const jobInputs = (inputs: Record<string, string>) => ({ command: 'build', 'verify-pull': 'off', ...inputs });

const skipVerify = () => ({
  repo: `${tls.host}/shop/stages`,
  username: tls.username,
  password: tls.password,
  'skip-tls-verify': 'true',
});
const plainHttp = () => ({ repo: `${http.host}/shop/stages`, 'insecure-registry': 'true' });

/** A fresh daemon for one test, stopped at its end. */
async function withDaemon<T>(
  config: Record<string, unknown>,
  fn: (d: Dockerd) => Promise<T>,
  opts: { args?: string[] } = {},
): Promise<T> {
  const d = await startDockerd(config, opts);
  try {
    return await fn(d);
  } finally {
    await d.stop();
  }
}

/** A build job with docker-daemon: configure against daemon `d`, and what the daemon has between main and post. */
async function configureJob(d: Dockerd, inputs: Record<string, string>) {
  let afterMain: Awaited<ReturnType<typeof daemonState>> | undefined;
  const job = await runWith(
    d,
    tests.scenario(['app']),
    { ...inputs, 'docker-daemon': 'configure' },
    { afterMain: async () => void (afterMain = await daemonState(d)) },
  );
  return { job, afterMain };
}

function expectPushedThroughDaemon(job: JobResult, d: Dockerd, registry: string): void {
  expect({ exit: job.main.exitCode, failure: failureLine(job) }).toEqual({ exit: 0, failure: undefined });
  expect(job.outputs.verified).toBe('true');
  expect(job.main.stdout).toContain(`through the Docker daemon at ${d.host}`);
  expect(job.main.stdout).toContain(`The push refers to repository [${registry}/shop/stages]`);
}

function expectQuietPost(job: JobResult): void {
  expect(job.post?.exitCode).toBe(0);
  expect(job.post?.annotations.filter((a) => a.level !== 'notice')).toEqual([]);
  expect(leftInRunnerTemp(job)).toEqual([]);
}

describe('configure on a daemon that does not list the registry', () => {
  test.each([
    ['skip-tls-verify (a self-signed registry)', skipVerify, () => tls.host],
    ['plain HTTP', plainHttp, () => http.host],
  ])(
    '%s: the entry added in place and loaded, the daemon pushes; post restores GET /info and the file (bytes, mode, mtime)',
    async (_name, inputs, registryOf) => {
      await withDaemon({}, async (d) => {
        const registry = registryOf();
        ageConfigFile(d);
        const before = await daemonState(d);
        expect(before.insecure).toEqual(['127.0.0.0/8']);
        const { job, afterMain } = await configureJob(d, inputs());
        expectPushedThroughDaemon(job, d, registry);
        // The daemon pushed the stage image itself, with the entry loaded: no CA anywhere for it.
        const image = JSON.parse(job.outputs.images ?? '{}').app as { image: string };
        expect(await daemonTags(d)).toContain(image.image);
        expect(job.main.stdout).toMatch(
          new RegExp(
            `^docker-daemon: configure: adding ${registry.replace(/\./g, '\\.')} to insecure-registries in ${d.configFile}\\.$`,
            'm',
          ),
        );
        expect(job.main.stdout).toMatch(
          new RegExp(
            `^Added ${registry.replace(/\./g, '\\.')} to insecure-registries in ${d.configFile} as root and reloaded dockerd \\(pid ${d.pid}\\): GET /info listed it after \\d+ ms\\. The post step takes it out again\\.$`,
            'm',
          ),
        );
        expect(job.main.stdout).toContain(
          `pushes to ${registry}: insecure for the daemon: its insecure-registries lists ${registry}.`,
        );
        // The job summary records what the daemon stage did, and that the post step undoes it.
        expect(job.summary).toContain(
          `### Docker daemon\n\nChecked at \`${d.host}\` before the build:\n\n- ✅ \`${registry}\`: insecure for the daemon: its insecure-registries lists ${registry}.\n- Added \`${registry}\` to insecure-registries in \`${d.configFile}\` for this job and reloaded the daemon; the post step takes it out again.\n`,
        );
        // After main: the entry in the file, every other byte as it was; the daemon lists it; the ownership record
        // and the backup beside the file while the job runs.
        const listed = before.file!.text.replace(/\n}\n$/, `,\n  "insecure-registries": ["${registry}"]\n}\n`);
        expect(afterMain).toEqual({
          insecure: ['127.0.0.0/8', registry],
          file: { text: listed, mode: 0o640, mtimeMs: expect.any(Number) },
          beside: ['daemon.json.werf-ship.json', 'daemon.json.werf-ship.orig'],
        });
        // After post: exactly as before, in the daemon and on disk.
        expectQuietPost(job);
        expect(await daemonState(d)).toEqual(before);
      });
    },
    90_000,
  );

  test('a config file with other settings in its own layout: only the list changes while the job runs; post restores it byte for byte', async () => {
    const settings = { debug: false, 'max-concurrent-uploads': 3, labels: ['team=shop'] };
    await withDaemon({ ...settings, 'insecure-registries': ['10.99.0.0/16'] }, async (d) => {
      // The same settings as the daemon loaded, laid out by hand: tabs, a list over lines, no final newline.
      const keyPath = (JSON.parse(fs.readFileSync(d.configFile, 'utf8')) as Record<string, string>)[
        'deprecated-key-path'
      ];
      const text = `{\t"deprecated-key-path":"${keyPath}",\n\t"debug" : false,\n\t"insecure-registries": [\n\t\t"10.99.0.0/16"\n\t],\n\t"labels": ["team=shop"], "max-concurrent-uploads": 3}`;
      fs.writeFileSync(d.configFile, text);
      ageConfigFile(d);
      const before = await daemonState(d);
      expect(before.insecure).toEqual(['10.99.0.0/16', '127.0.0.0/8']);
      const { job, afterMain } = await configureJob(d, skipVerify());
      expectPushedThroughDaemon(job, d, tls.host);
      expect(afterMain?.file?.text).toBe(text.replace('"10.99.0.0/16"', `"10.99.0.0/16",\n\t\t"${tls.host}"`));
      expect(afterMain?.insecure).toEqual(['10.99.0.0/16', '127.0.0.0/8', tls.host]);
      // The daemon kept the other settings it reloaded.
      const info = await d.api<{ Labels: string[]; Debug: boolean }>('/info');
      expect(info.Labels).toContain('team=shop');
      expect(info.Debug).toBe(false);
      expectQuietPost(job);
      expect(await daemonState(d)).toEqual(before);
    });
  }, 90_000);

  test('a daemon whose config file does not exist (its --config-file removed after it started): created for the job, removed in post', async () => {
    await withDaemon({}, async (d) => {
      fs.rmSync(d.configFile);
      const before = await daemonState(d);
      expect(before.file).toBeUndefined();
      const { job, afterMain } = await configureJob(d, plainHttp());
      expectPushedThroughDaemon(job, d, http.host);
      expect(job.main.stdout).toContain(
        `Added ${http.host} to insecure-registries in ${d.configFile} (a new file) as root`,
      );
      expect(afterMain).toEqual({
        insecure: ['127.0.0.0/8', http.host],
        file: { text: `{\n  "insecure-registries": ["${http.host}"]\n}\n`, mode: 0o644, mtimeMs: expect.any(Number) },
        beside: ['daemon.json.werf-ship.json'],
      });
      expectQuietPost(job);
      expect(await daemonState(d)).toEqual(before);
    });
  }, 90_000);
});

describe('configure where nothing needs changing, or nothing may be changed', () => {
  test('a daemon that lists the registry already: nothing written, nothing taken out in post', async () => {
    await withDaemon({ 'insecure-registries': [tls.host] }, async (d) => {
      ageConfigFile(d);
      const before = await daemonState(d);
      const { job, afterMain } = await configureJob(d, skipVerify());
      expectPushedThroughDaemon(job, d, tls.host);
      expect(job.main.stdout).not.toContain('docker-daemon: configure: adding');
      expect(afterMain).toEqual(before);
      expectQuietPost(job);
      expect(await daemonState(d)).toEqual(before);
    });
  }, 90_000);

  test('a malformed config file: refused before the build with where it is wrong; the file untouched, nothing beside it', async () => {
    await withDaemon({}, async (d) => {
      const broken = fs.readFileSync(d.configFile, 'utf8').replace(/\n}\n$/, ',\n  "debug": tru\n}\n');
      fs.writeFileSync(d.configFile, broken);
      ageConfigFile(d);
      const before = await daemonState(d);
      const s = tests.scenario(['app']);
      const job = await runWith(d, s, { ...skipVerify(), 'docker-daemon': 'configure' });
      expect(job.main.exitCode).toBe(1);
      expect(failureLine(job)).toBe(
        `The Docker daemon at ${d.host} will not push werf's stages to ${tls.host}: skip-tls-verify does not reach the daemon, which verifies ${tls.host}'s certificate, as ${tls.host} is not in its insecure-registries, and does not trust it: its push would fail with "x509: certificate signed by unknown authority". ` +
          `On the runner, ${d.configFile} is not valid JSON (the daemon keeps its old settings when it reloads it): fix it and set "insecure-registries": ["${tls.host}"] in it, then reload the daemon: sudo kill -HUP ${d.pid}; or give the registry's CA in ca-cert instead of skip-tls-verify (the action installs it where the daemon looks). ` +
          `docker-daemon: configure did not change the daemon: ${d.configFile} is left as it is: it is not valid JSON (at line 3, column 12); nothing was built.`,
      );
      expect(s.werfCalls().map((c) => c.argv[0])).toEqual(['version']);
      expect(await daemonState(d)).toEqual(before);
      expectQuietPost(job);
      expect(await daemonState(d)).toEqual(before);
    });
  }, 90_000);

  test('a daemon started with --insecure-registry flags: refused (a reload with the key in its file would fail), the flag to add named', async () => {
    await withDaemon(
      {},
      async (d) => {
        const before = await daemonState(d);
        const s = tests.scenario(['app']);
        const job = await runWith(d, s, { ...plainHttp(), 'docker-daemon': 'configure' });
        expect(job.main.exitCode).toBe(1);
        const failure = failureLine(job) ?? '';
        expect(failure).toContain(
          `On the runner, start dockerd with --insecure-registry ${http.host} beside its other --insecure-registry flags and restart it`,
        );
        expect(failure).toMatch(
          new RegExp(
            `docker-daemon: configure did not change the daemon: dockerd \\(pid ${d.pid}\\) takes --insecure-registry flags, and a reload with insecure-registries in ${d.configFile} as well would fail; nothing was built\\.$`,
          ),
        );
        expect(s.werfCalls().map((c) => c.argv[0])).toEqual(['version']);
        expectQuietPost(job);
        expect(await daemonState(d)).toEqual(before);
      },
      { args: ['--insecure-registry', '10.98.0.0/16'] },
    );
  }, 90_000);
});

describe('a daemon that does not take the change', () => {
  test('configureDaemon: GET /info never lists the entry (the reload fails: dockerd has --insecure-registry flags): a clear error after the bound, the entry taken out again at once', async () => {
    await withDaemon(
      {},
      async (d) => {
        ageConfigFile(d);
        const before = await daemonState(d);
        const proc = await findDaemonProcess(d.socket);
        expect(proc).toMatchObject({ pid: d.pid, configFile: d.configFile, insecureFlags: ['10.98.0.0/16'] });
        const journal: DaemonConfigEntry[] = [];
        const host = '198.18.0.9:5000';
        const started = Date.now();
        const err = await configureDaemon({
          socketPath: d.socket,
          process: proc as DaemonProcess,
          hosts: [host],
          files: directFiles,
          waitMs: 1_500,
          record: (e) => journal.push(e),
        }).catch((e: unknown) => e);
        expect(Date.now() - started).toBeLessThan(10_000);
        expect(err).toBeInstanceOf(ConfigureFailed);
        expect((err as ConfigureFailed).reason).toMatch(
          new RegExp(
            `^it added ${host.replace(/\./g, '\\.')} to insecure-registries in ${d.configFile}, but dockerd \\(pid ${d.pid}\\) did not take the change: it was sent SIGHUP, but GET /info still does not list ${host.replace(/\./g, '\\.')} as an insecure registry after 1\\.\\d s \\(its log says why: journalctl -u docker, or where its output goes\\); the entry was taken out again$`,
          ),
        );
        expect((err as ConfigureFailed).warnings).toEqual([]);
        // The journal names the change for the post step, which finds nothing left to do.
        expect(journal).toEqual([
          expect.objectContaining({
            kind: 'docker-daemon-config',
            path: d.configFile,
            hosts: [host],
            socketPath: d.socket,
          }),
        ]);
        expect(await daemonState(d)).toEqual(before);
        expect(d.logs()).toContain('unable to configure the Docker daemon with file');
      },
      { args: ['--insecure-registry', '10.98.0.0/16'] },
    );
  }, 60_000);
});

describe('docker-daemon: auto', () => {
  test('on a GitHub-hosted runner (RUNNER_ENVIRONMENT=github-hosted, root here): configure; without it: check, which fails before the build', async () => {
    await withDaemon({}, async (d) => {
      const before = await daemonState(d);
      const hosted = await runWith(d, tests.scenario(['app']), plainHttp(), {
        env: { RUNNER_ENVIRONMENT: 'github-hosted' },
      });
      expectPushedThroughDaemon(hosted, d, http.host);
      expect(hosted.main.stdout).toContain(
        `docker-daemon: auto on a GitHub-hosted runner, where ${d.configFile} can be written as root: adding ${http.host} to insecure-registries in ${d.configFile}.`,
      );
      expectQuietPost(hosted);
      expect(await daemonState(d)).toEqual(before);

      const s = tests.scenario(['app']);
      const selfHosted = await runWith(d, s, plainHttp(), { env: { RUNNER_ENVIRONMENT: 'self-hosted' } });
      expect(selfHosted.main.exitCode).toBe(1);
      expect(failureLine(selfHosted)).toMatch(
        /docker-daemon: auto changes the daemon only on GitHub-hosted runners \(set docker-daemon: configure to have the action add the entry for this job and take it out in the post step\); nothing was built\.$/,
      );
      expect(s.werfCalls().map((c) => c.argv[0])).toEqual(['version']);
      expect(await daemonState(d)).toEqual(before);
    });
  }, 120_000);
});

describe('two jobs at once on one daemon (configure)', () => {
  async function waitForFile(file: string): Promise<void> {
    for (let i = 0; i < 600 && !fs.existsSync(file); i++) await sleep(100);
    expect(fs.existsSync(file)).toBe(true);
  }

  /** Job B's main step, whose build (and so its push through the daemon) waits at a gate until the test opens it. */
  function gatedMain(d: Dockerd, s: Scenario, inputs: Record<string, string>) {
    const gate = fs.mkdtempSync(path.join(s.dir, 'gate-'));
    const main = tests.runMain(
      s,
      { ...jobInputs(inputs), 'werf-path': GATED_WERF, 'docker-daemon': 'configure' },
      { env: { DOCKER_HOST: d.host, GATED_WERF_DIR: gate } },
    );
    return {
      main,
      started: () => waitForFile(path.join(gate, 'started')),
      open: () => fs.writeFileSync(path.join(gate, 'open'), ''),
    };
  }

  const holdersOf = (d: Dockerd) =>
    (
      JSON.parse(fs.readFileSync(`${d.configFile}.werf-ship.json`, 'utf8')) as {
        items: Array<{ text: string; holders: unknown[] }>;
      }
    ).items.map((it) => [it.text, it.holders.length]);

  const expectMainOk = (main: StepResult) => {
    expect(main.exitCode).toBe(0);
    expect(main.outputs.verified).toBe('true');
  };

  test.each([
    ['the same registry', skipVerify, skipVerify],
    ['different registries', skipVerify, plainHttp],
  ])(
    "%s: A's post while B builds leaves B's entry, B's push works; after both posts the daemon and file are as before",
    async (_name, inputsA, inputsB) => {
      await withDaemon({}, async (d) => {
        ageConfigFile(d);
        const before = await daemonState(d);
        const hostA = inputsA().repo.split('/')[0] as string;
        const hostB = inputsB().repo.split('/')[0] as string;
        const jobA = await tests.runMain(
          tests.scenario(['app']),
          { ...jobInputs(inputsA()), 'docker-daemon': 'configure' },
          { env: { DOCKER_HOST: d.host } },
        );
        expectMainOk(jobA.main);

        const jobB = gatedMain(d, tests.scenario(['app']), inputsB());
        await jobB.started(); // B's daemon stage is done, its build about to push
        expect(holdersOf(d)).toEqual(
          hostA === hostB
            ? [[hostA, 2]]
            : [
                [hostA, 1],
                [hostB, 1],
              ],
        );
        if (hostA === hostB) expect((await daemonState(d)).insecure).toEqual(['127.0.0.0/8', hostA]);

        const postA = await jobA.post();
        expectQuietPost(postA);
        // B's entry is still there, in the file and in the daemon.
        expect((await daemonState(d)).insecure).toEqual(['127.0.0.0/8', hostB]);
        expect(holdersOf(d)).toEqual([[hostB, 1]]);
        if (hostA === hostB)
          expect(postA.post?.stdout).toContain(`the insecure-registries entry ${hostB} stays, still used by`);

        jobB.open();
        const mainB = await jobB.main;
        expectMainOk(mainB.main);
        expect(mainB.main.stdout).toContain(`The push refers to repository [${hostB}/shop/stages]`);
        if (hostA === hostB)
          expect(mainB.main.stdout).toContain(
            `${hostB} is in insecure-registries in ${d.configFile} for another job on this runner: this job shares the entry`,
          );
        expectQuietPost(await mainB.post());
        expect(await daemonState(d)).toEqual(before);
      });
    },
    150_000,
  );
});

describe("another job's entry, and a job that only checks", () => {
  test("docker-daemon: check while another job's configure entry lets the daemon push: it passes, warning that the entry goes with that job", async () => {
    await withDaemon({}, async (d) => {
      const before = await daemonState(d);
      const jobA = await tests.runMain(
        tests.scenario(['app']),
        { ...jobInputs(plainHttp()), 'docker-daemon': 'configure' },
        { env: { DOCKER_HOST: d.host } },
      );
      expect(jobA.main.exitCode).toBe(0);
      const during = await daemonState(d);
      const jobB = await runWith(d, tests.scenario(['app']), { ...plainHttp(), 'docker-daemon': 'check' });
      expectPushedThroughDaemon(jobB, d, http.host);
      expect(jobB.main.annotations.filter((a) => a.properties.title === 'Docker daemon').map((a) => a.message)).toEqual(
        [
          `The Docker daemon lists ${http.host} in insecure-registries only for another job on this runner (run 4242 attempt 1, job ship), whose post step takes it out when that job is done: this job's push fails if that comes first. Set docker-daemon: configure to have this job share the entry, or list the registry in the config file yourself.`,
        ],
      );
      // check changed nothing: A's entry is still A's alone.
      expect(await daemonState(d)).toEqual(during);
      expectQuietPost(await jobA.post());
      expect(await daemonState(d)).toEqual(before);
    });
  }, 90_000);
});

describe('the decisions, pure', () => {
  const writable = { files: {} as never, how: 'with sudo -n' };
  test('decideMode: auto is configure only on a GitHub-hosted runner where the file can be written', () => {
    const file = '/etc/docker/daemon.json';
    expect(decideMode('auto', { githubHosted: true, file, access: writable })).toEqual({
      mode: 'configure',
      because:
        'docker-daemon: auto on a GitHub-hosted runner, where /etc/docker/daemon.json can be written with sudo -n',
    });
    expect(decideMode('auto', { githubHosted: false, file, access: writable })).toEqual({
      mode: 'check',
      notChanged: { mode: 'auto' },
    });
    expect(decideMode('auto', { githubHosted: true, file, access: { reason: 'R' } })).toEqual({
      mode: 'check',
      notChanged: { mode: 'auto', reason: 'R' },
    });
    expect(decideMode('check', { githubHosted: true, file, access: writable }).mode).toBe('check');
    expect(decideMode('configure', { githubHosted: false, file }).mode).toBe('configure');
  });

  test('whyNotConfigure: a CA problem, no process, --insecure-registry flags, a file that is not a JSON object, a missing file with entries', () => {
    const http: DaemonProblem = { host: 'r:5000', need: 'plain-http', what: '', fixedByInsecureEntry: true };
    const caProblem: DaemonProblem = { host: 'r:5000', need: 'ca', what: '', fixedByInsecureEntry: false };
    const proc = { pid: 7, configFile: '/d.json', insecureFlags: [], systemd: false };
    const base = {
      problems: [http],
      socketPath: '/s',
      process: proc,
      file: { path: '/d.json', text: '{}' },
      current: [],
    };
    expect(whyNotConfigure(base)).toBeUndefined();
    expect(whyNotConfigure({ ...base, problems: [caProblem] })).toBe(
      'an insecure-registries entry does not fix a CA missing from certs.d',
    );
    expect(whyNotConfigure({ ...base, process: undefined })).toBe(
      'no single dockerd process that serves /s was found under /proc, so the action cannot reload it',
    );
    expect(whyNotConfigure({ ...base, process: { ...proc, insecureFlags: ['x:1'] } })).toBe(
      'dockerd (pid 7) takes --insecure-registry flags, and a reload with insecure-registries in /d.json as well would fail',
    );
    expect(whyNotConfigure({ ...base, file: { path: '/d.json', text: '[]' } })).toBe(
      '/d.json is left as it is: it is not a JSON object',
    );
    expect(
      whyNotConfigure({ ...base, file: { path: '/d.json', unreadable: 'missing' }, current: ['10.0.0.0/8'] }),
    ).toBe(
      "/d.json does not exist, but the daemon has insecure registries (10.0.0.0/8) that a new file listing only this job's would drop on reload",
    );
    expect(whyNotConfigure({ ...base, file: { path: '/d.json', unreadable: 'missing' } })).toBeUndefined();
  });
});
