// The committed bundle, run main + post through the runner emulation (mock GitHub), with the werf test double pushing
// real images to real Distribution registries (TLS with a per-run CA and basic auth, token auth, plain HTTP).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { makeCa, startRegistry, stopAll, type Registry, type TestCa } from './support/rig/index.js';
import { TestJobs, failureLine, filesBelow, leftInRunnerTemp, type Scenario } from './support/scenario.js';
import type { RunOptions } from './support/runner.js';

let ca: TestCa;
let tls: Registry;
let token: Registry;
let http: Registry;
const tests = new TestJobs();

beforeAll(async () => {
  ca = await makeCa({ cn: 'shop-registry-ca' });
  [tls, token, http] = await Promise.all([
    startRegistry({ ca, auth: 'basic' }),
    startRegistry({ ca, auth: 'token' }),
    startRegistry({ tls: false, auth: 'none' }),
  ]);
});

afterAll(async () => {
  tests.cleanup();
  await stopAll();
});

const scenario = (images?: string[]) => tests.scenario(images);
const run = (s: Scenario, inputs: Record<string, string>, opts?: RunOptions) => tests.run(s, inputs, opts);
const failure = failureLine;

describe('TLS registry with a private CA and basic auth', () => {
  test('ca-cert + credentials: werf builds and pushes, every image is verified and pullable; post leaves nothing', async () => {
    const s = scenario(['backend', 'frontend']);
    const job = await run(s, {
      repo: `${tls.host}/shop/stages`,
      'final-repo': `${tls.host}/shop/app`,
      username: tls.username,
      password: tls.password,
      'ca-cert': ca.certPem,
      command: 'build',
      'node-trust': 'ca-cert',
      'image-pull-secret': 'regcred',
    });
    expect({ exit: job.main.exitCode, failure: failure(job) }).toEqual({ exit: 0, failure: undefined });
    expect(job.outputs['werf-version']).toBe('2.75.3');
    expect(job.outputs['werf-path']).toMatch(/werf-double\/werf$/);
    expect(job.outputs['build-report']).toMatch(/build-report\.json$/);

    const images = JSON.parse(job.outputs.images ?? '{}') as Record<
      string,
      { image: string; digest: string; ref: string; platforms: string[] }
    >;
    expect(Object.keys(images).sort()).toEqual(['backend', 'frontend']);
    for (const image of Object.values(images)) {
      expect(image.image).toMatch(new RegExp(`^${tls.host}/shop/app:[0-9a-f]{56}-\\d{13}$`));
      expect(image.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(image.ref).toBe(`${tls.host}/shop/app@${image.digest}`);
      // A build without --platform: werf reports the runtime's platform, and the image config says the same.
      expect(image.platforms).toEqual(['linux/amd64']);
    }
    expect(job.outputs.verified).toBe('true');
    const pullCheck = JSON.parse(job.outputs['pull-check'] ?? '{}');
    expect(pullCheck).toMatchObject({ mode: 'registry', verdict: 'pullable' });
    expect(pullCheck.results).toHaveLength(2);

    // werf got exactly the planned argv: the repos, the report, and no TLS flag (the CA is installed instead).
    const build = s.werfCalls().find((c) => c.argv[0] === 'build');
    expect(build?.argv).toEqual([
      'build',
      '--repo',
      `${tls.host}/shop/stages`,
      '--final-repo',
      `${tls.host}/shop/app`,
      '--save-build-report',
      '--build-report-path',
      job.outputs['build-report'],
    ]);
    expect(s.werfCalls().map((c) => c.argv.slice(0, 2).join(' '))).toEqual([
      'version',
      `cr login`,
      'build --repo',
      'cr logout',
    ]);

    // The summary names every image; the post step logged out and removed everything the main step wrote.
    expect(job.summary).toContain('backend');
    expect(job.summary).toContain(images.backend?.image.split(':')[1]?.slice(0, 12) ?? 'no tag');
    expect(job.post?.exitCode).toBe(0);
    expect(job.post?.annotations.filter((a) => a.level !== 'notice')).toEqual([]);
    expect(leftInRunnerTemp(job)).toEqual([]);
    expect(filesBelow(s.dockerCertsDir)).toEqual([]);
    expect(filesBelow(s.containersCertsDir)).toEqual([]);
    expect(filesBelow(s.env.HOME as string)).toEqual([]);
    // What main exported for the later steps points at files post removed: post puts the variables back (unset), so
    // the post steps of other actions, which run after ours, do not find a removed docker config or CA bundle.
    expect(Object.keys(job.main.exportedEnv).sort()).toEqual([
      'DOCKER_CONFIG',
      'NODE_EXTRA_CA_CERTS',
      'SSL_CERT_FILE',
      'WERF_DOCKER_CONFIG',
    ]);
    expect(job.post?.exportedEnv).toEqual({
      DOCKER_CONFIG: '',
      NODE_EXTRA_CA_CERTS: '',
      SSL_CERT_FILE: '',
      WERF_DOCKER_CONFIG: '',
    });
  });

  test('logout: false: the login stays for the later steps (config dir and DOCKER_CONFIG), the CA files go', async () => {
    const s = scenario();
    const job = await run(s, {
      repo: `${tls.host}/keep/stages`,
      username: tls.username,
      password: tls.password,
      'ca-cert': ca.certPem,
      command: 'build',
      'image-pull-secret': 'regcred',
      logout: 'false',
    });
    expect({ exit: job.main.exitCode, failure: failure(job) }).toEqual({ exit: 0, failure: undefined });
    expect(s.werfCalls().map((c) => c.argv.slice(0, 2).join(' '))).not.toContain('cr logout');
    const dockerConfig = job.main.exportedEnv.DOCKER_CONFIG as string;
    expect(fs.existsSync(path.join(dockerConfig, 'config.json'))).toBe(true);
    expect(job.post?.exportedEnv).toEqual({ NODE_EXTRA_CA_CERTS: '', SSL_CERT_FILE: '' });
    expect(leftInRunnerTemp(job).every((f) => f.startsWith(path.basename(dockerConfig)))).toBe(true);
    expect(filesBelow(s.dockerCertsDir)).toEqual([]);
  });

  test('a secret scan of everything the job produced finds neither the password nor base64 user:pass', async () => {
    const s = scenario();
    const job = await run(s, {
      repo: `${tls.host}/scan`,
      username: tls.username,
      password: tls.password,
      'ca-cert': ca.certPem,
      command: 'build',
      'image-pull-secret': 'regcred',
    });
    expect(job.main.exitCode).toBe(0);
    const basic = Buffer.from(`${tls.username}:${tls.password}`).toString('base64');
    expect(job.masks).toEqual(expect.arrayContaining([tls.password, basic]));
    const surface = [
      job
        .everything()
        .split('\n')
        .filter((l) => !l.startsWith('::add-mask::'))
        .join('\n'),
      fs.readFileSync(s.argvLog, 'utf8'),
    ].join('\n');
    expect(surface).not.toContain(tls.password);
    expect(surface).not.toContain(basic);
  });

  test('without ca-cert: fails before werf builds, naming the registry and both fixes', async () => {
    const s = scenario();
    const job = await run(s, {
      repo: `${tls.host}/shop/stages`,
      username: tls.username,
      password: tls.password,
      command: 'build',
    });
    expect(job.main.exitCode).toBe(1);
    const message = failure(job) ?? '';
    expect(message).toContain(tls.host);
    expect(message).toContain('ca-cert');
    expect(message).toContain('skip-tls-verify');
    expect(s.werfCalls().map((c) => c.argv[0])).toEqual(['version']);
    expect(leftInRunnerTemp(job)).toEqual([]);
  });

  test('a wrong password fails in the credential check, before cr login and before any build', async () => {
    const s = scenario();
    const job = await run(s, {
      repo: `${tls.host}/shop/stages`,
      username: tls.username,
      password: 'not-the-password',
      'ca-cert': ca.certPem,
      command: 'build',
    });
    expect(job.main.exitCode).toBe(1);
    expect(failure(job)).toMatch(
      new RegExp(`${tls.host.replace('.', '\\.')}.*${tls.username}|${tls.username}.*${tls.host}`),
    );
    expect(failure(job)).toMatch(/401|UNAUTHORIZED|unauthorized/i);
    expect(s.werfCalls().map((c) => c.argv[0])).toEqual(['version']);
    expect(leftInRunnerTemp(job)).toEqual([]);
    expect(filesBelow(s.dockerCertsDir)).toEqual([]);
  });

  test('skip-tls-verify: works with a loud warning; cr login gets --insecure-registry, werf --skip-tls-verify-registry', async () => {
    const s = scenario();
    // The Docker daemon pushes the stages with its own trust: here it has the CA, as the warning tells users to do.
    fs.mkdirSync(path.join(s.dockerCertsDir, tls.host), { recursive: true });
    fs.writeFileSync(path.join(s.dockerCertsDir, tls.host, 'ca.crt'), ca.certPem);
    const job = await run(s, {
      repo: `${tls.host}/skip/stages`,
      'final-repo': `${tls.host}/skip/app`,
      username: tls.username,
      password: tls.password,
      'skip-tls-verify': 'true',
      command: 'build',
      'node-trust': 'skip-verify',
      'image-pull-secret': 'regcred',
    });
    expect({ exit: job.main.exitCode, failure: failure(job) }).toEqual({ exit: 0, failure: undefined });
    expect(job.main.annotations.some((a) => a.level === 'warning' && /TLS verification is OFF/.test(a.message))).toBe(
      true,
    );
    const login = s.werfCalls().find((c) => c.argv[0] === 'cr' && c.argv[1] === 'login');
    expect(login?.argv).toContain('--insecure-registry');
    expect(login?.argv).not.toContain('--skip-tls-verify-registry');
    expect(s.werfCalls().find((c) => c.argv[0] === 'build')?.argv).toContain('--skip-tls-verify-registry');
    expect(job.outputs.verified).toBe('true');
  });
});

describe('other registries', () => {
  test('plain HTTP with insecure-registry: werf gets --insecure-registry and the checks speak HTTP', async () => {
    const s = scenario();
    fs.writeFileSync(s.env.WERF_DOUBLE_DAEMON_JSON as string, JSON.stringify({ 'insecure-registries': [http.host] }));
    const job = await run(s, {
      repo: `${http.host}/plain/stages`,
      'insecure-registry': 'true',
      command: 'build',
      'node-trust': 'skip-verify',
    });
    expect({ exit: job.main.exitCode, failure: failure(job) }).toEqual({ exit: 0, failure: undefined });
    expect(s.werfCalls().find((c) => c.argv[0] === 'build')?.argv).toContain('--insecure-registry');
    expect(job.outputs.verified).toBe('true');
    expect(JSON.parse(job.outputs['pull-check'] ?? '{}').verdict).toBe('pullable');
  });

  test('token auth over TLS through a registries list; the nodes need credentials without an image-pull-secret', async () => {
    const s = scenario();
    const job = await run(s, {
      'verify-pull': 'registry',
      repo: `${token.host}/tok/stages`,
      registries: [
        `- registry: ${token.host}`,
        `  username: ${token.username}`,
        `  password: ${token.password}`,
        '  ca-cert: |',
        ...ca.certPem
          .trim()
          .split('\n')
          .map((l) => `    ${l}`),
      ].join('\n'),
      command: 'build',
      'node-trust': 'ca-cert',
    });
    expect(job.outputs.verified).toBe('true');
    const pullCheck = JSON.parse(job.outputs['pull-check'] ?? '{}');
    expect(pullCheck.verdict).toBe('needs-credentials');
    expect(pullCheck.results[0].remediation).toMatch(/imagePullSecret|image-pull-secret/);
    expect(job.main.exitCode).toBe(1);
    expect(failure(job)).toMatch(/needs-credentials/);
  });

  test('build with verify-pull auto: what the nodes could not pull is advice: warnings grouped by finding, no error', async () => {
    const s = scenario(['backend', 'frontend', 'worker']);
    const job = await run(s, {
      repo: `${tls.host}/advice/stages`,
      username: tls.username,
      password: tls.password,
      'ca-cert': ca.certPem,
      command: 'build',
    });
    expect({ exit: job.main.exitCode, failure: failure(job) }).toEqual({ exit: 0, failure: undefined });
    expect(JSON.parse(job.outputs['pull-check'] ?? '{}').verdict).toBe('not-pullable');
    expect(
      job.main.annotations.some((a) => a.level === 'warning' && a.message.startsWith('verify-pull: not-pullable')),
    ).toBe(true);
    // A green job has no error annotation; the three images that fail alike are one warning that counts them.
    expect(job.main.annotations.filter((a) => a.level === 'error')).toEqual([]);
    const nodes = job.main.annotations.filter((a) => a.properties.title === 'Nodes cannot pull');
    expect(nodes.map((a) => a.level)).toEqual(['warning']);
    expect(nodes[0]?.message).toMatch(
      /^3 of 3 images \((backend|frontend|worker), (backend|frontend|worker), (backend|frontend|worker)\): /,
    );
  });
});

describe('the build report in each shape werf writes (plain HTTP registry)', () => {
  const plainInputs = (s: Scenario, repo: string, extra: Record<string, string>) => {
    fs.writeFileSync(s.env.WERF_DOUBLE_DAEMON_JSON as string, JSON.stringify({ 'insecure-registries': [http.host] }));
    return {
      repo: `${http.host}/${repo}/stages`,
      'insecure-registry': 'true',
      command: 'build',
      'verify-pull': 'off',
      ...extra,
    };
  };
  const imagesOf = (job: Awaited<ReturnType<typeof run>>) =>
    JSON.parse(job.outputs.images ?? '{}') as Record<
      string,
      { image: string; digest: string; ref: string; platforms: string[] }
    >;
  const PLATFORMS = '--platform=linux/arm64\n--platform=linux/amd64';

  test('several platforms (one manifest-list record, TargetPlatform ""), verify-manifests false: the platforms from its stage names', async () => {
    const s = scenario();
    const job = await run(s, plainInputs(s, 'multi', { args: PLATFORMS, 'verify-manifests': 'false' }));
    expect({ exit: job.main.exitCode, failure: failure(job) }).toEqual({ exit: 0, failure: undefined });
    const { app } = imagesOf(job);
    expect(app?.platforms).toEqual(['linux/amd64', 'linux/arm64']);
    expect(app?.ref).toBe(`${http.host}/multi/stages@${app?.digest}`);
    expect(job.outputs.verified).toBe('false');
  });

  test('several platforms with WERF_ENABLE_REPORT_BY_PLATFORM=1: verified, the platforms of the index werf pushed', async () => {
    const s = scenario();
    const job = await run(s, plainInputs(s, 'byplatform', { args: PLATFORMS }), {
      env: { WERF_ENABLE_REPORT_BY_PLATFORM: '1' },
    });
    expect({ exit: job.main.exitCode, failure: failure(job) }).toEqual({ exit: 0, failure: undefined });
    expect(s.werfCalls().find((c) => c.argv[0] === 'build')?.env.WERF_ENABLE_REPORT_BY_PLATFORM).toBe('1');
    expect(job.outputs.verified).toBe('true');
    expect(imagesOf(job).app?.platforms.sort()).toEqual(['linux/amd64', 'linux/arm64']);
  });

  test("a newer werf's report (Runtime.WerfVersion, Operations, StageCache): read and verified as before", async () => {
    const s = scenario();
    const job = await run(s, plainInputs(s, 'newer', {}), {
      env: { WERF_DOUBLE_NEWER_REPORT: '1', WERF_DOUBLE_VERSION: '2.80.0' },
    });
    expect({ exit: job.main.exitCode, failure: failure(job) }).toEqual({ exit: 0, failure: undefined });
    expect(job.outputs['werf-version']).toBe('2.80.0');
    expect(job.outputs.verified).toBe('true');
    expect(imagesOf(job).app?.platforms).toEqual(['linux/amd64']);
  });
});
