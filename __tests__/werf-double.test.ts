/**
 * The werf test double against the real rig: real Distribution registries (TLS with a per-run CA, basic and token
 * auth, plain HTTP) and real skopeo. The deploy of `converge` is the only emulated part (no Kubernetes API here).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { startFaultProxy } from './support/faults/proxy.js';
import {
  makeTempDir,
  removeTempDir,
  runTool,
  runToolOk,
  skopeoArgsFor,
  startRegistry,
  stopAll,
  type Registry,
  type ToolResult,
} from './support/rig/index.js';

const WERF = resolve('__tests__/support/werf-double/werf');
const UNKNOWN_AUTHORITY = 'tls: failed to verify certificate: x509: certificate signed by unknown authority';

let tls: Registry; // TLS + basic auth
let token: Registry; // TLS + bearer token auth
let plain: Registry; // plain HTTP, no auth
let work: string;
let argvLog: string;
let noCerts: string; // an empty docker certs dir: the daemon trusts nothing extra
let daemonCerts: string; // docker certs dir with the TLS registries' CAs
let caBundle: string; // SSL_CERT_FILE holding only the test CAs
let project: string;

/** Runs the double with a clean env: only what the test passes (plus PATH/HOME for a sane process). */
function werf(args: string[], env: Record<string, string> = {}, input?: string): Promise<ToolResult> {
  const base: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: join(work, 'home'),
    WERF_DOUBLE_ARGV_LOG: argvLog,
    WERF_DOUBLE_DOCKER_CERTS_DIR: noCerts,
    WERF_DOUBLE_DAEMON_JSON: join(work, 'no-daemon.json'),
  };
  return runTool(WERF, args, { env: { ...base, ...env }, input, cwd: project, timeoutMs: 90_000 });
}

async function readConfig(dir: string): Promise<{ auths?: Record<string, { auth?: string }> }> {
  return JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'));
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

beforeAll(async () => {
  [tls, token, plain] = await Promise.all([
    startRegistry(),
    startRegistry({ auth: 'token' }),
    startRegistry({ tls: false }),
  ]);
  work = await makeTempDir('werf-double');
  argvLog = join(work, 'argv.jsonl');
  noCerts = join(work, 'no-certs');
  daemonCerts = join(work, 'certs.d');
  caBundle = join(work, 'ca-bundle.crt');
  project = join(work, 'project');
  await Promise.all([mkdir(noCerts), mkdir(project), mkdir(join(work, 'home'))]);
  for (const reg of [tls, token]) {
    await mkdir(join(daemonCerts, reg.host), { recursive: true });
    await writeFile(join(daemonCerts, reg.host, 'ca.crt'), reg.ca!.certPem);
  }
  await writeFile(caBundle, tls.ca!.certPem + token.ca!.certPem);
  await writeFile(
    join(project, 'werf.yaml'),
    'project: demo\nconfigVersion: 1\n---\nimage: app\ndockerfile: Dockerfile\n---\nimage: worker\nfrom: alpine\n',
  );
}, 60_000);

afterAll(async () => {
  await stopAll();
  if (work) await removeTempDir(work);
});

describe('werf version and flags', () => {
  test('version prints v2.75.3, or WERF_DOUBLE_VERSION', async () => {
    expect((await werf(['version'])).stdout).toBe('v2.75.3\n');
    expect((await werf(['version'], { WERF_DOUBLE_VERSION: '2.1.0' })).stdout).toBe('v2.1.0\n');
    // A local build of werf prints `dev` (werf's source: the version of a build without a release tag).
    expect((await werf(['version'], { WERF_DOUBLE_VERSION: 'dev' })).stdout).toBe('dev\n');
  });

  test('cr login has no --skip-tls-verify-registry: unknown flag, exit 1', async () => {
    const r = await werf(['cr', 'login', '--skip-tls-verify-registry', '-u', 'u', '-p', 'p', tls.host]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('Error: unknown flag: --skip-tls-verify-registry\n');
  });

  test("cr login's own flag errors", async () => {
    expect((await werf(['cr', 'login', tls.host])).stderr).toBe('Error: provide --username\n');
    expect((await werf(['cr', 'login', '-u', 'u', tls.host])).stderr).toBe(
      'Error: provide --password or --password-stdin\n',
    );
    const both = await werf(['cr', 'login', '-u', 'u', '-p', 'x', '--password-stdin', tls.host], {}, 'y');
    expect(both.stderr).toBe('Error: --password and --password-stdin could not be used at the same time\n');
    expect(both.code).toBe(1);
  });

  test('boolean env twins accept only 1/true/yes', async () => {
    // WERF_INSECURE_REGISTRY=on is not true: the untrusted TLS registry then fails verification.
    const off = await werf(['cr', 'login', '-u', tls.username, tls.host], {
      WERF_PASSWORD: tls.password,
      WERF_INSECURE_REGISTRY: 'on',
    });
    expect(off.stderr).toContain(UNKNOWN_AUTHORITY);
    const on = await werf(['cr', 'login', '-u', tls.username, tls.host], {
      WERF_PASSWORD: tls.password,
      WERF_INSECURE_REGISTRY: 'yes',
      DOCKER_CONFIG: join(work, 'cfg-env-twin'),
    });
    expect(on.stdout).toBe('Successful login\n');
  });
});

describe('cr login / logout against real registries', () => {
  test('correct password, CA via SSL_CERT_FILE: stored 0600 in a 0700 dir, no password in the argv log', async () => {
    const cfg = join(work, 'cfg-bundle');
    const r = await werf(['cr', 'login', '-u', tls.username, '-p', tls.password, '--docker-config', cfg, tls.host], {
      SSL_CERT_FILE: caBundle,
    });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('Successful login\n');
    expect((await readConfig(cfg)).auths?.[tls.host]).toEqual({ auth: b64(`${tls.username}:${tls.password}`) });
    expect((await stat(join(cfg, 'config.json'))).mode & 0o777).toBe(0o600);
    expect((await stat(cfg)).mode & 0o777).toBe(0o700);
    const log = await readFile(argvLog, 'utf8');
    expect(log).not.toContain(tls.password);
    const last = JSON.parse(log.trim().split('\n').pop()!);
    expect(last.argv).toEqual(['cr', 'login', '-u', tls.username, '-p', '***', '--docker-config', cfg, tls.host]);
    expect(last.env.SSL_CERT_FILE).toBe(caBundle);
  });

  test('password from stdin is taken as is (no newline added or removed)', async () => {
    const cfg = join(work, 'cfg-stdin');
    const r = await werf(
      ['cr', 'login', '-u', tls.username, '--password-stdin', `https://${tls.host}/some/path`],
      { SSL_CERT_FILE: caBundle, WERF_DOCKER_CONFIG: cfg },
      tls.password,
    );
    expect(r.stdout).toBe('Successful login\n');
    // REGISTRY is reduced to host[:port].
    expect(Object.keys((await readConfig(cfg)).auths ?? {})).toEqual([tls.host]);
    const withNewline = await werf(
      ['cr', 'login', '-u', tls.username, '--password-stdin', tls.host],
      { SSL_CERT_FILE: caBundle, WERF_DOCKER_CONFIG: join(work, 'cfg-nl') },
      `${tls.password}\n`,
    );
    expect(withNewline.code).toBe(1);
    expect(withNewline.stderr).toContain('401 Unauthorized');
  });

  test('wrong password: 401, nothing stored', async () => {
    const cfg = join(work, 'cfg-wrong');
    const r = await werf(['cr', 'login', '-u', tls.username, '-p', 'wrong', '--docker-config', cfg, tls.host], {
      SSL_CERT_FILE: caBundle,
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `Error: unable to authenticate into "${tls.host}": login attempt to https://${tls.host}/v2/ failed with status: 401 Unauthorized\n`,
    );
    await expect(stat(join(cfg, 'config.json'))).rejects.toThrow();
  });

  test('CA in the docker certs dir (<dir>/<host>/ca.crt) is trusted', async () => {
    const r = await werf(['cr', 'login', '-u', tls.username, '-p', tls.password, tls.host], {
      WERF_DOUBLE_DOCKER_CERTS_DIR: daemonCerts,
      DOCKER_CONFIG: join(work, 'cfg-certsd'),
    });
    expect(r.stdout).toBe('Successful login\n');
  });

  test("cr login --insecure-registry skips verification (docker's registry service, unlike werf's own client)", async () => {
    const r = await werf(['cr', 'login', '--insecure-registry', '-u', tls.username, '-p', tls.password, tls.host], {
      DOCKER_CONFIG: join(work, 'cfg-insecure'),
    });
    expect(r.stdout).toBe('Successful login\n');
  });

  test('no trust: the x509 error as werf (Go) words it', async () => {
    const r = await werf(['cr', 'login', '-u', tls.username, '-p', tls.password, tls.host], {
      SSL_CERT_FILE: join(work, 'no-such-bundle.crt'), // replaces the default bundle: no roots from it
      SSL_CERT_DIR: noCerts,
      DOCKER_CONFIG: join(work, 'cfg-untrusted'),
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `Error: unable to authenticate into "${tls.host}": Get "https://${tls.host}/v2/": ${UNKNOWN_AUTHORITY}\n`,
    );
  });

  test('SSL_CERT_FILE replaces the default bundle, SSL_CERT_DIR adds dirs', async () => {
    const dir = join(work, 'ssl-dir');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'test-ca.pem'), tls.ca!.certPem);
    const r = await werf(['cr', 'login', '-u', tls.username, '-p', tls.password, tls.host], {
      SSL_CERT_FILE: join(work, 'no-such-bundle.crt'),
      SSL_CERT_DIR: dir,
      DOCKER_CONFIG: join(work, 'cfg-ssldir'),
    });
    expect(r.stdout).toBe('Successful login\n');
  });

  test('HTTPS to a plain-HTTP registry fails as Go does; --insecure-registry falls back to HTTP', async () => {
    const r = await werf(['cr', 'login', '-u', 'u', '-p', 'p', plain.host], { DOCKER_CONFIG: join(work, 'cfg-http') });
    expect(r.stderr).toBe(
      `Error: unable to authenticate into "${plain.host}": Get "https://${plain.host}/v2/": http: server gave HTTP response to HTTPS client\n`,
    );
    const ok = await werf(['cr', 'login', '--insecure-registry', '-u', 'u', '-p', 'p', plain.host], {
      DOCKER_CONFIG: join(work, 'cfg-http'),
    });
    expect(ok.stdout).toBe('Successful login\n');
  });

  test('bearer token registry: token fetched from the realm with the credentials; wrong ones refused', async () => {
    const cfg = join(work, 'cfg-token');
    const ok = await werf(['cr', 'login', '-u', token.username, '-p', token.password, token.host], {
      SSL_CERT_FILE: caBundle,
      DOCKER_CONFIG: cfg,
    });
    expect(ok.stderr).toBe('');
    expect((await readConfig(cfg)).auths?.[token.host]?.auth).toBe(b64(`${token.username}:${token.password}`));
    const bad = await werf(['cr', 'login', '-u', token.username, '-p', 'nope', token.host], {
      SSL_CERT_FILE: caBundle,
      DOCKER_CONFIG: join(work, 'cfg-token-bad'),
    });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(`Error: unable to authenticate into "${token.host}": `);
    expect(bad.stderr).toMatch(/unauthorized|401/);
  });

  test('login keeps other entries; logout erases only its entry, no network; a second logout is no error', async () => {
    const cfg = join(work, 'cfg-logout');
    await mkdir(cfg, { recursive: true });
    await writeFile(join(cfg, 'config.json'), JSON.stringify({ auths: { 'other.example:5000': { auth: 'eDp5' } } }));
    await werf(['cr', 'login', '-u', tls.username, '-p', tls.password, '--docker-config', cfg, tls.host], {
      SSL_CERT_FILE: caBundle,
    });
    expect(Object.keys((await readConfig(cfg)).auths ?? {}).sort()).toEqual(['other.example:5000', tls.host].sort());
    // REGISTRY is reduced to host[:port], as on login.
    const out = await werf(['cr', 'logout', '--docker-config', cfg, `https://${tls.host}/v2/`]);
    expect(out.stdout).toBe('Successful logout\n');
    expect((await readConfig(cfg)).auths).toEqual({ 'other.example:5000': { auth: 'eDp5' } });
    const again = await werf(['cr', 'logout', '--docker-config', cfg, tls.host]);
    expect({ code: again.code, stdout: again.stdout, stderr: again.stderr }).toEqual({
      code: 0,
      stdout: 'Successful logout\n',
      stderr: '',
    });
    expect((await werf(['cr', 'logout', '--password', 'x', tls.host])).stderr).toBe(
      'Error: unknown flag: --password\n',
    );
    expect((await werf(['cr', 'logout', 'a', 'b'])).stderr).toBe(
      'Error: invalid number of arguments, expected optional registry address: got 2 arguments\n',
    );
  });

  test('Docker Hub (a local registry standing in for it): stored under index.docker.io; logout of the URL erases only that key', async () => {
    const cfg = join(work, 'cfg-hub');
    await mkdir(cfg, { recursive: true });
    const urlKey = 'https://index.docker.io/v1/';
    await writeFile(join(cfg, 'config.json'), JSON.stringify({ auths: { [urlKey]: { auth: 'b2xkOm9sZA==' } } }));
    const hub = { SSL_CERT_FILE: caBundle, WERF_DOUBLE_DOCKER_HUB: tls.host };
    const login = await werf(
      ['cr', 'login', '-u', tls.username, '--password-stdin', '--docker-config', cfg],
      hub,
      tls.password,
    );
    expect(login.stdout).toBe('Successful login\n');
    expect((await readConfig(cfg)).auths).toEqual({
      [urlKey]: { auth: 'b2xkOm9sZA==' },
      'index.docker.io': { auth: b64(`${tls.username}:${tls.password}`) },
    });
    // `werf cr logout https://index.docker.io/v1/` erases the URL's host, never the URL key.
    expect((await werf(['cr', 'logout', '--docker-config', cfg, urlKey])).stdout).toBe('Successful logout\n');
    expect(Object.keys((await readConfig(cfg)).auths ?? {})).toEqual([urlKey]);
    // Without REGISTRY: Docker Hub, the same key; gone already, which is no error.
    expect((await werf(['cr', 'logout', '--docker-config', cfg])).code).toBe(0);
    expect(Object.keys((await readConfig(cfg)).auths ?? {})).toEqual([urlKey]);
  });

  test('the credential check ignores no error: 429 is retried (briefly here, 5 minutes in werf), a 500 fails at once', async () => {
    const proxy = await startFaultProxy(plain.url);
    try {
      const login = (env: Record<string, string> = {}) =>
        werf(['cr', 'login', '--insecure-registry', '-u', 'u', '-p', 'p', proxy.host], {
          DOCKER_CONFIG: join(work, 'cfg-429'),
          ...env,
        });
      const tooMany = { kind: 'status' as const, status: 429, body: '{"errors":[{"code":"TOOMANYREQUESTS"}]}' };
      proxy.setRules([{ match: /^GET \/v2\/$/, fault: tooMany, times: 2 }]);
      const retried = await login();
      expect(retried.stdout).toBe('Successful login\n');
      expect(proxy.seen.filter((l) => l === 'GET /v2/')).toHaveLength(3);

      proxy.seen.length = 0;
      proxy.setRules([{ match: /^GET \/v2\/$/, fault: tooMany, times: 1000 }]);
      const gaveUp = await login({ WERF_DOUBLE_429_RETRY_MS: '1500' });
      expect(gaveUp.code).toBe(1);
      expect(gaveUp.stderr).toBe(
        `Error: unable to authenticate into "${proxy.host}": login attempt to http://${proxy.host}/v2/ failed with status: 429 Too Many Requests\n`,
      );
      expect(proxy.seen.length).toBeGreaterThan(1);

      proxy.seen.length = 0;
      proxy.setRules([{ match: /^GET \/v2\/$/, fault: { kind: 'status', status: 500 }, times: 1000 }]);
      const broken = await login();
      expect(broken.stderr).toBe(
        `Error: unable to authenticate into "${proxy.host}": login attempt to http://${proxy.host}/v2/ failed with status: 500 Internal Server Error\n`,
      );
      expect(proxy.seen).toEqual(['GET /v2/']);
    } finally {
      await proxy.stop();
    }
  });
});

describe('helm get-namespace', () => {
  const getNamespace = (dir: string, args: string[] = [], env: Record<string, string> = {}) =>
    runTool(WERF, ['helm', 'get-namespace', ...args], {
      env: { PATH: process.env.PATH, HOME: join(work, 'home'), ...env },
      cwd: dir,
      timeoutMs: 30_000,
    });
  const projectWith = async (name: string, werfYaml: string) => {
    const dir = join(work, name);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'werf.yaml'), werfYaml);
    return dir;
  };

  test("[[ project ]] or [[ project ]]-[[ env ]], slugified with werf's algorithm (werf's own test vectors)", async () => {
    const dir = await projectWith('ns-default', 'project: shop\nconfigVersion: 1\n');
    expect((await getNamespace(dir)).stdout).toBe('shop\n');
    expect((await getNamespace(dir, ['--env', 'production'])).stdout).toBe('shop-production\n');
    // Not a valid name as it is: slugified, with the hash of the original.
    expect((await getNamespace(dir, [], { WERF_ENV: 'Prod' })).stdout).toMatch(/^shop-prod-[0-9a-f]{1,8}\n$/);
    const vectors: Array<[string, string]> = [
      ['da_ta', 'da-ta-3b339d14'],
      ['kubernetes.namespace', 'kubernetes-namespace-1507f75c'],
      ['x'.repeat(64), `${'x'.repeat(54)}-afd4efcd`],
      ['data', 'data'],
    ];
    for (const [template, slug] of vectors) {
      const d = await projectWith(
        `ns-${slug.slice(-8)}`,
        `project: shop\nconfigVersion: 1\ndeploy:\n  namespace: "${template}"\n`,
      );
      expect((await getNamespace(d)).stdout).toBe(`${slug}\n`);
    }
  });

  test('deploy.namespace is a template; namespaceSlug: false makes an invalid name an error', async () => {
    const dir = await projectWith(
      'ns-template',
      'project: shop\nconfigVersion: 1\ndeploy:\n  namespace: "team-[[ env ]]-[[ project ]]"\n',
    );
    expect((await getNamespace(dir, ['--env', 'stage'])).stdout).toBe('team-stage-shop\n');
    const strict = await projectWith(
      'ns-strict',
      'project: shop\nconfigVersion: 1\ndeploy:\n  namespace: "Shop"\n  namespaceSlug: false\n',
    );
    const r = await getNamespace(strict);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^Error: bad Kubernetes namespace "Shop" rendered by template "Shop": kubernetes namespace should be a valid DNS-1123 label/,
    );
  });

  test('no --namespace flag, and WERF_NAMESPACE is not read', async () => {
    const dir = await projectWith('ns-noflag', 'project: shop\nconfigVersion: 1\n');
    expect((await getNamespace(dir, ['--namespace', 'x'])).stderr).toBe('Error: unknown flag: --namespace\n');
    expect((await getNamespace(dir, [], { WERF_NAMESPACE: 'elsewhere' })).stdout).toBe('shop\n');
  });

  test('werf.yaml through giterminism: --dir and --config (or WERF_DIR, WERF_CONFIG); committed, or the work tree with --dev', async () => {
    const root = await projectWith('ns-git', 'project: root\nconfigVersion: 1\n');
    await mkdir(join(root, 'app'));
    await writeFile(join(root, 'app', 'werf.yaml'), 'project: app\nconfigVersion: 1\n');
    await writeFile(join(root, 'app', 'werf-prod.yaml'), 'project: app-prod\nconfigVersion: 1\n');
    const git = (...args: string[]) =>
      runToolOk('git', ['-C', root, '-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args]);
    await git('init', '-q');
    // Untracked: must be committed (or staged, with --dev).
    const untracked = await getNamespace(root);
    expect(untracked.stderr).toMatch(
      /^Error: unable to read werf config: the untracked file "werf.yaml" must be committed\n\nYou may be interested in the development mode/,
    );
    expect((await getNamespace(root, ['--dev'])).stderr).toContain('the untracked file "werf.yaml" must be staged');
    await git('add', '.');
    await git('commit', '-qm', 'werf.yaml');
    expect((await getNamespace(root)).stdout).toBe('root\n');
    expect((await getNamespace(root, ['--dir', 'app'])).stdout).toBe('app\n');
    expect((await getNamespace(root, [], { WERF_DIR: 'app', WERF_CONFIG: 'werf-prod.yaml' })).stdout).toBe(
      'app-prod\n',
    );
    expect((await getNamespace(root, ['--dir=app', '--config=werf-prod.yaml'])).stdout).toBe('app-prod\n');
    // An uncommitted change: an error without --dev, the work tree's file with it (or WERF_DEV).
    await writeFile(join(root, 'werf.yaml'), 'project: changed\nconfigVersion: 1\n');
    expect((await getNamespace(root)).stderr).toContain('the file "werf.yaml" must be committed');
    expect((await getNamespace(root, ['--dev'])).stdout).toBe('changed\n');
    expect((await getNamespace(root, [], { WERF_DEV: 'true' })).stdout).toBe('changed\n');
  });
});

describe('build / converge against the TLS registry', () => {
  let cfg: string;
  const bothTrusts = () => ({
    SSL_CERT_FILE: caBundle, // werf's own client (Go)
    WERF_DOUBLE_DOCKER_CERTS_DIR: daemonCerts, // the Docker daemon
    WERF_DOCKER_CONFIG: cfg,
  });

  beforeAll(async () => {
    cfg = join(work, 'cfg-build');
    const r = await werf(['cr', 'login', '-u', tls.username, '-p', tls.password, tls.host], {
      SSL_CERT_FILE: caBundle,
      WERF_DOCKER_CONFIG: cfg,
    });
    expect(r.stdout).toBe('Successful login\n');
  });

  async function inspectRaw(ref: string): Promise<{ mediaType: string; manifests?: unknown[] }> {
    const repo = ref.slice(tls.host.length + 1).split(':')[0]!;
    return JSON.parse(
      await runToolOk('skopeo', ['inspect', '--raw', ...skopeoArgsFor(tls, 'inspect', repo), `docker://${ref}`]),
    );
  }

  test('--repo + --final-repo: real images pushed, report in werf format naming the final repo', async () => {
    const report = join(work, 'report.json');
    const repo = `${tls.host}/stages`;
    const finalRepo = `${tls.host}/final`;
    const r = await werf(
      ['build', '--repo', repo, '--final-repo', finalRepo, '--save-build-report', '--build-report-path', report],
      bothTrusts(),
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const text = await readFile(report, 'utf8');
    expect(text).toMatch(/^\{\n\t"Runtime": \{/); // tab-indented, Go field names
    expect(text).toMatch(/"CreatedAt": \d{19},/); // nanoseconds written exactly
    const parsed = JSON.parse(text);
    expect(Object.keys(parsed.Images).sort()).toEqual(['app', 'worker']);
    const app = parsed.Images.app;
    expect(app).toMatchObject({ WerfImageName: 'app', ConfigType: 'dockerfile', DockerRepo: finalRepo, Final: true });
    expect(parsed.Images.worker.ConfigType).toBe('stapel');
    expect(app.DockerTag).toMatch(/^[0-9a-f]{56}-\d{13}$/);
    expect(app.DockerImageName).toBe(`${finalRepo}:${app.DockerTag}`);
    expect(app.DockerImageDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(app.Stages[0].DockerImageName).toBe(`${repo}:${app.DockerTag}`);
    // Both repositories really hold it, as Docker schema2, with the digest the report names.
    const inspected = JSON.parse(
      await runToolOk('skopeo', [
        'inspect',
        ...skopeoArgsFor(tls, 'inspect', 'final'),
        `docker://${app.DockerImageName}`,
      ]),
    );
    expect(inspected.Digest).toBe(app.DockerImageDigest);
    expect((await inspectRaw(app.DockerImageName)).mediaType).toBe(
      'application/vnd.docker.distribution.manifest.v2+json',
    );
    expect((await inspectRaw(app.Stages[0].DockerImageName)).mediaType).toBe(
      'application/vnd.docker.distribution.manifest.v2+json',
    );
    const log = (await readFile(argvLog, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(log.pop().env).toMatchObject({ WERF_DOCKER_CONFIG: cfg, SSL_CERT_FILE: caBundle });
  });

  test('same werf.yaml -> same 56-hex content digest; .env report', async () => {
    const env = join(work, 'report.env');
    const r = await werf(
      ['build', '--repo', `${tls.host}/stages`, '--save-build-report', '--build-report-path', env, 'app'],
      bothTrusts(),
    );
    expect(r.code).toBe(0);
    const line = (await readFile(env, 'utf8')).trim();
    expect(line).toMatch(new RegExp(`^WERF_APP_DOCKER_IMAGE_NAME=${tls.host}/stages:[0-9a-f]{56}-\\d{13}$`));
    const prior = JSON.parse(await readFile(join(work, 'report.json'), 'utf8')).Images.app.DockerTag.slice(0, 56);
    expect(line.split(':').pop()!.slice(0, 56)).toBe(prior);
  });

  test('several platforms -> a Docker manifest list; the report digest is the list, TargetPlatform "", stages per platform', async () => {
    const report = join(work, 'multi.json');
    const repo = `${tls.host}/multi`;
    const r = await werf(
      [
        'build',
        '--repo',
        repo,
        '--platform',
        'linux/amd64',
        '--platform=linux/arm64',
        '--save-build-report',
        '--build-report-path',
        report,
        'app',
      ],
      bothTrusts(),
    );
    expect(r.stderr).toBe('');
    const parsed = JSON.parse(await readFile(report, 'utf8'));
    const app = parsed.Images.app;
    const raw = await inspectRaw(app.DockerImageName);
    expect(raw.mediaType).toBe('application/vnd.docker.distribution.manifest.list.v2+json');
    expect(raw.manifests).toHaveLength(2);
    const rawText = await runToolOk('skopeo', [
      'inspect',
      '--raw',
      ...skopeoArgsFor(tls, 'inspect', 'multi'),
      `docker://${app.DockerImageName}`,
    ]);
    expect(app.DockerImageDigest).toBe(`sha256:${createHash('sha256').update(rawText).digest('hex')}`);
    expect({ TargetPlatform: app.TargetPlatform, ConfigType: app.ConfigType }).toEqual({
      TargetPlatform: '',
      ConfigType: '',
    });
    expect(app.Stages.map((s: { Name: string }) => s.Name)).toEqual([
      'dockerfile (linux/amd64)',
      'dockerfile (linux/arm64)',
    ]);
    expect(parsed.ImagesByPlatform).toEqual({});
    // Each platform's image is in --repo under a tag of its own: the list's child.
    const children = (raw.manifests as Array<{ digest: string }>).map((m) => m.digest);
    for (const stage of app.Stages) {
      expect(stage.DockerImageName).toBe(`${repo}:${stage.DockerTag}`);
      expect(children).toContain(stage.DockerImageDigest);
      const inspected = JSON.parse(
        await runToolOk('skopeo', [
          'inspect',
          ...skopeoArgsFor(tls, 'inspect', 'multi'),
          `docker://${stage.DockerImageName}`,
        ]),
      );
      expect(inspected.Digest).toBe(stage.DockerImageDigest);
    }
  });

  test('WERF_ENABLE_REPORT_BY_PLATFORM=1 fills ImagesByPlatform; WERF_DOUBLE_NEWER_REPORT=1 adds what newer werf writes', async () => {
    const report = join(work, 'by-platform.json');
    const args = ['build', '--repo', `${tls.host}/byplat`, '--save-build-report', '--build-report-path', report];
    const multi = await werf([...args, '--platform=linux/amd64,linux/arm64', 'worker'], {
      ...bothTrusts(),
      WERF_ENABLE_REPORT_BY_PLATFORM: '1',
    });
    expect(multi.stderr).toBe('');
    const parsed = JSON.parse(await readFile(report, 'utf8'));
    const byPlatform = parsed.ImagesByPlatform.worker;
    expect(Object.keys(byPlatform)).toEqual(['linux/amd64', 'linux/arm64']);
    for (const [platform, record] of Object.entries(byPlatform) as Array<[string, Record<string, unknown>]>) {
      expect(record).toMatchObject({ WerfImageName: 'worker', ConfigType: 'stapel', TargetPlatform: platform });
      expect((record.Stages as Array<{ Name: string }>).map((s) => s.Name)).toEqual(['from']);
      expect(parsed.Images.worker.Stages.map((s: { DockerImageDigest: string }) => s.DockerImageDigest)).toContain(
        record.DockerImageDigest,
      );
    }
    expect(parsed.Operations).toBeUndefined();

    const single = await werf([...args, 'app'], {
      ...bothTrusts(),
      WERF_ENABLE_REPORT_BY_PLATFORM: '1',
      WERF_DOUBLE_NEWER_REPORT: '1',
      WERF_DOUBLE_VERSION: '2.80.0',
    });
    expect(single.stderr).toBe('');
    const text = await readFile(report, 'utf8');
    expect(text.endsWith('}\n')).toBe(true);
    const newer = JSON.parse(text);
    // Without --platform: the runtime's platform, in the record and as the ImagesByPlatform key.
    expect(newer.Images.app.TargetPlatform).toBe('linux/amd64');
    expect(newer.ImagesByPlatform).toEqual({ app: { 'linux/amd64': newer.Images.app } });
    expect(newer.Runtime).toEqual({ WerfVersion: 'v2.80.0', Backend: 'docker', InContainer: false });
    expect(newer.Operations['image push'].Count).toBe(1);
    expect(newer.StageCache).toEqual({ built: 1 });
    expect(Object.keys(newer)).toEqual(['Runtime', 'Images', 'ImagesByPlatform', 'Operations', 'StageCache']);
  });

  test('a self-signed --repo needs both trusts: daemon (certs dir) and werf (Go roots)', async () => {
    const onlyDaemon = await werf(['build', '--repo', `${tls.host}/stages`, 'app'], {
      WERF_DOUBLE_DOCKER_CERTS_DIR: daemonCerts,
      WERF_DOCKER_CONFIG: cfg,
      SSL_CERT_FILE: join(work, 'no-such-bundle.crt'),
      SSL_CERT_DIR: noCerts,
    });
    expect(onlyDaemon.code).toBe(1);
    expect(onlyDaemon.stderr).toContain(`Get "https://${tls.host}/v2/": ${UNKNOWN_AUTHORITY}`);
    const onlyWerf = await werf(['build', '--repo', `${tls.host}/stages`, 'app'], {
      SSL_CERT_FILE: caBundle,
      WERF_DOCKER_CONFIG: cfg,
    });
    expect(onlyWerf.code).toBe(1);
    expect(onlyWerf.stderr).toMatch(/^Error: unable to push image .*x509: certificate signed by unknown authority/);
    // --skip-tls-verify-registry reaches werf's client only, not the daemon.
    const skip = await werf(['build', '--skip-tls-verify-registry', '--repo', `${tls.host}/stages`, 'app'], {
      WERF_DOUBLE_DOCKER_CERTS_DIR: daemonCerts,
      WERF_DOCKER_CONFIG: cfg,
      SSL_CERT_FILE: join(work, 'no-such-bundle.crt'),
      SSL_CERT_DIR: noCerts,
    });
    expect(skip.stderr).toBe('');
    expect(skip.code).toBe(0);
    // --insecure-registry alone does not skip verification in werf's own client: it only allows a fall back to HTTP,
    // which an HTTPS registry answers with 400.
    const insecure = await werf(['build', '--insecure-registry', '--repo', `${tls.host}/stages`, 'app'], {
      WERF_DOUBLE_DOCKER_CERTS_DIR: daemonCerts,
      WERF_DOCKER_CONFIG: cfg,
      SSL_CERT_FILE: join(work, 'no-such-bundle.crt'),
      SSL_CERT_DIR: noCerts,
    });
    expect(insecure.code).toBe(1);
    expect(insecure.stderr).toBe(
      `Error: unable to fetch tags for repo "${tls.host}/stages": Get "https://${tls.host}/v2/": ${UNKNOWN_AUTHORITY}; GET http://${tls.host}/v2/: unexpected status code 400\n`,
    );
  });

  test('daemon.json insecure-registries lets the daemon push without its CA', async () => {
    const daemonJson = join(work, 'daemon.json');
    await writeFile(daemonJson, JSON.stringify({ 'insecure-registries': [tls.host] }));
    const r = await werf(['build', '--repo', `${tls.host}/stages`, 'app'], {
      SSL_CERT_FILE: caBundle,
      WERF_DOCKER_CONFIG: cfg,
      WERF_DOUBLE_DAEMON_JSON: daemonJson,
    });
    expect(r.stderr).toBe('');
  });

  test('a tag in --final-repo or --repo: werf\'s late "invalid repository address" error', async () => {
    const fr = `${tls.host}/final:latest`;
    const r = await werf(['build', '--repo', `${tls.host}/stages`, '--final-repo', fr], bothTrusts());
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `Error: error get final stages storage: error creating container registry accessor for repo "${fr}": invalid repository address "${fr}"\n`,
    );
    const rr = `${tls.host}/stages@sha256:${'0'.repeat(64)}`;
    expect((await werf(['converge', '--repo', rr], bothTrusts())).stderr).toBe(
      `Error: error creating container registry accessor for repo "${rr}": invalid repository address "${rr}"\n`,
    );
  });

  test('flags and project checks: --repo required, werf.yaml required, converge-only flags refused on build', async () => {
    expect((await werf(['build'], bothTrusts())).stderr).toBe('Error: --repo=ADDRESS param required\n');
    expect((await werf(['build', '--namespace', 'x', '--repo', `${tls.host}/s`])).stderr).toBe(
      'Error: unknown flag: --namespace\n',
    );
    const empty = join(work, 'empty-project');
    await mkdir(empty, { recursive: true });
    const r = await werf(['build', '--dir', empty, '--repo', `${tls.host}/s`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('werf.yaml');
    expect((await werf(['build', '--build-report-path', 'r.txt', '--repo', `${tls.host}/s`])).stderr).toBe(
      'Error: invalid --build-report-path "r.txt": extension must be either .json or .env or unspecified\n',
    );
  });

  test('converge (deploy emulated: stand-in for the Kubernetes API): WERF_DOUBLE_DEPLOY_ERROR fails it with that text', async () => {
    const why = 'pod app-1: ImagePullBackOff: x509: certificate signed by unknown authority';
    const args = [
      'converge',
      '--repo',
      `${tls.host}/stages`,
      '--namespace',
      'ns',
      '--kube-config-base64',
      b64('kubeconfig'),
      '--set-docker-config-json-value',
    ];
    const bad = await werf(args, { ...bothTrusts(), WERF_DOUBLE_DEPLOY_ERROR: why });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe(`Error: ${why}\n`);
    const ok = await werf(args, bothTrusts());
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('namespace: "ns"');
    expect(await readFile(argvLog, 'utf8')).not.toContain(b64('kubeconfig'));
  });
});
