import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { crLoginArgs, derivedSecrets, login } from '../src/login.js';
import { logout } from '../src/logout.js';
import {
  addHubKeyForOtherTools,
  DOCKER_HUB_KEY,
  WERF_HUB_KEY,
  withHubKey,
  withoutHubKey,
} from '../src/docker-config.js';
import { setUpTrust } from '../src/trust/index.js';
import type { CleanupEntry } from '../src/state.js';
import { makeCa, runTool, startRegistry, stopAll, type Registry, type TestCa } from './support/rig/index.js';
import { startFaultProxy, type FaultProxy } from './support/faults/proxy.js';
import { inputsFor, registry } from './support/inputs.js';
import { listFiles, startFakeRunner, undoFiles, type FakeRunner } from './trust/runner-env.js';

// Real registries (Distribution: TLS + basic auth with a per-run CA, token auth, plain HTTP + basic auth) and the
// werf test double (real credential checks, real docker config files); GitHub's runner files are emulated.
const WERF = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'support/werf-double/werf');
let ca: TestCa;
let tlsReg: Registry;
let tokenReg: Registry;
let httpReg: Registry;
let runner: FakeRunner;
let argvLog: string;

interface Invocation {
  argv: string[];
  env: Record<string, string>;
}
const invocations = (): Invocation[] =>
  fs.existsSync(argvLog)
    ? fs
        .readFileSync(argvLog, 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Invocation)
    : [];

function config(dir: string): { auths: Record<string, { auth?: string }>; [k: string]: unknown } {
  return JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
}

async function failureOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected a failure');
}

/** Everything this job wrote where a secret could leak: stdout without the mask commands, runner files, argv log. */
function leakSurface(): string {
  const stdout = runner
    .stdout()
    .split('\n')
    .filter((l) => !l.startsWith('::add-mask::'))
    .join('\n');
  const files = ['env', 'state', 'output'].map((f) => fs.readFileSync(path.join(runner.dir, f), 'utf8'));
  return [stdout, ...files, fs.existsSync(argvLog) ? fs.readFileSync(argvLog, 'utf8') : ''].join('\n');
}

beforeAll(async () => {
  ca = await makeCa({ cn: 'login-ca', days: 365 });
  [tlsReg, tokenReg, httpReg] = await Promise.all([
    startRegistry({ ca, auth: 'basic' }),
    startRegistry({ ca, auth: 'token' }),
    startRegistry({ tls: false, auth: 'basic' }),
  ]);
  runner = startFakeRunner();
  argvLog = path.join(runner.dir, 'argv.jsonl');
  const certs = path.join(runner.dir, 'docker-certs.d');
  Object.assign(process.env, {
    WERF_DOUBLE_ARGV_LOG: argvLog,
    WERF_SHIP_DOCKER_CERTS_DIR: certs,
    WERF_DOUBLE_DOCKER_CERTS_DIR: certs,
    WERF_SHIP_CONTAINERS_CERTS_DIR: path.join(runner.dir, 'containers-certs.d'),
    // The runner's own docker config: never written by the action.
    DOCKER_CONFIG: path.join(runner.dir, 'home-docker'),
  });
  fs.mkdirSync(path.join(runner.dir, 'home-docker'));
});

// Each test is a fresh main step: nothing exported by an earlier test is in its environment.
const keep = ['SSL_CERT_FILE', 'NODE_EXTRA_CA_CERTS', 'WERF_DOCKER_CONFIG', 'DOCKER_CONFIG'];
let baseline: Record<string, string | undefined> = {};
beforeEach(() => {
  if (Object.keys(baseline).length === 0) baseline = Object.fromEntries(keep.map((k) => [k, process.env[k]]));
  for (const [k, v] of Object.entries(baseline)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  fs.rmSync(argvLog, { force: true });
});

afterAll(async () => {
  runner.stop();
  await stopAll();
});

describe('login against real registries with the werf double', () => {
  test('right password (TLS, private CA): credential check, werf cr login, config.json entry, logout and removal', async () => {
    const n = runner.journal().length;
    const r = registry(tlsReg.host, { username: tlsReg.username, password: tlsReg.password, caCert: ca.certPem });
    const inputs = inputsFor([r]);
    const trust = await setUpTrust(inputs);
    const { dockerConfig } = await login(inputs, WERF, trust);

    expect(dockerConfig.startsWith(runner.runnerTemp)).toBe(true);
    expect(fs.statSync(dockerConfig).mode & 0o777).toBe(0o700);
    expect(fs.statSync(path.join(dockerConfig, 'config.json')).mode & 0o777).toBe(0o600);
    const auth = config(dockerConfig).auths[tlsReg.host]?.auth;
    expect(Buffer.from(auth ?? '', 'base64').toString()).toBe(`${tlsReg.username}:${tlsReg.password}`);
    expect(runner.exportedEnv()).toMatchObject({ WERF_DOCKER_CONFIG: dockerConfig, DOCKER_CONFIG: dockerConfig });

    const [call] = invocations();
    expect(call?.argv).toEqual([
      'cr',
      'login',
      '--username',
      tlsReg.username,
      '--password-stdin',
      '--docker-config',
      dockerConfig,
      tlsReg.host,
    ]);
    expect(call?.env.SSL_CERT_FILE).toBe(trust.env.SSL_CERT_FILE);
    expect(listFiles(path.join(runner.dir, 'home-docker'))).toEqual([]);

    const entries = runner.journal().slice(n);
    const logoutEntry = entries.find((e): e is Extract<CleanupEntry, { kind: 'logout' }> => e.kind === 'logout');
    expect(logoutEntry).toEqual({ kind: 'logout', registry: tlsReg.host, werfPath: WERF, dockerConfig });
    expect(entries).toContainEqual({ kind: 'remove-dir', path: dockerConfig, credentials: true });

    await logout(logoutEntry!);
    expect(config(dockerConfig).auths[tlsReg.host]).toBeUndefined();
    expect(invocations().at(-1)?.argv).toEqual(['cr', 'logout', '--docker-config', dockerConfig, tlsReg.host]);
    expect(runner.warnings()).toEqual([]);
    await undoFiles(entries);
    expect(fs.existsSync(dockerConfig)).toBe(false);

    const secrets = derivedSecrets(tlsReg.username, tlsReg.password);
    for (const s of secrets) expect(runner.stdout()).toContain(`::add-mask::${s}`);
    for (const s of secrets) expect(leakSurface()).not.toContain(s);
  });

  test('self-signed registry with ca-cert: login, then werf build pushes with the installed trust (daemon and werf)', async () => {
    const n = runner.journal().length;
    const r = registry(tlsReg.host, { username: tlsReg.username, password: tlsReg.password, caCert: ca.certPem });
    const inputs = inputsFor([r]);
    const trust = await setUpTrust(inputs);
    const { dockerConfig } = await login(inputs, WERF, trust);
    const project = path.join(runner.dir, 'project');
    fs.mkdirSync(project, { recursive: true });
    fs.writeFileSync(
      path.join(project, 'werf.yaml'),
      'project: demo\nconfigVersion: 1\n---\nimage: app\ndockerfile: Dockerfile\n',
    );
    fs.writeFileSync(path.join(project, 'Dockerfile'), 'FROM scratch\n');
    const build = (env: NodeJS.ProcessEnv) =>
      runTool(WERF, ['build', '--repo', `${tlsReg.host}/app`, '--docker-config', dockerConfig], { cwd: project, env });
    const withTrust = await build({ ...process.env, ...trust.env });
    expect(withTrust.output).not.toMatch(/x509/);
    expect(withTrust.code).toBe(0);
    const envWithout: NodeJS.ProcessEnv = {
      ...process.env,
      WERF_DOUBLE_DOCKER_CERTS_DIR: path.join(runner.dir, 'empty-certs.d'),
    };
    delete envWithout.SSL_CERT_FILE;
    const without = await build(envWithout);
    expect(without.code).not.toBe(0);
    expect(without.output).toMatch(/x509: certificate signed by unknown authority/);
    await undoFiles(runner.journal().slice(n));
  });

  test('wrong password: fails in seconds naming the registry, the user and its answer, before werf cr login runs', async () => {
    const n = runner.journal().length;
    const r = registry(tlsReg.host, { username: tlsReg.username, password: 'not-the-password', caCert: ca.certPem });
    const inputs = inputsFor([r]);
    const trust = await setUpTrust(inputs);
    const started = Date.now();
    const message = await failureOf(login(inputs, WERF, trust));
    expect(Date.now() - started).toBeLessThan(5000);
    expect(message).toMatch(
      new RegExp(
        `^Login to ${tlsReg.host.replace(/\./g, '\\.')} as "${tlsReg.username}" was refused: .*401.*UNAUTHORIZED.*Check the username and password`,
      ),
    );
    expect(invocations()).toEqual([]);
    expect(
      runner
        .journal()
        .slice(n)
        .some((e) => e.kind === 'logout' || ('credentials' in e && e.credentials)),
    ).toBe(false);
    expect(leakSurface()).not.toContain('not-the-password');
    await undoFiles(runner.journal().slice(n));
  });

  test('token auth: the right password works, a wrong one fails with the issuer answer', async () => {
    const good = inputsFor([
      registry(tokenReg.host, { username: tokenReg.username, password: tokenReg.password, caCert: ca.certPem }),
    ]);
    const trust = await setUpTrust(good);
    const { dockerConfig } = await login(good, WERF, trust);
    expect(config(dockerConfig).auths[tokenReg.host]).toBeDefined();

    fs.rmSync(argvLog, { force: true });
    const bad = inputsFor([
      registry(tokenReg.host, { username: tokenReg.username, password: 'wrong-token-pw', caCert: ca.certPem }),
    ]);
    const message = await failureOf(login(bad, WERF, await setUpTrust(bad)));
    expect(message).toMatch(new RegExp(`${tokenReg.host.replace(/\./g, '\\.')} as "${tokenReg.username}"`));
    expect(invocations()).toEqual([]);
  });

  test('skip-tls-verify: cr login gets --insecure-registry, never --skip-tls-verify-registry', async () => {
    const inputs = inputsFor([
      registry(tlsReg.host, { username: tlsReg.username, password: tlsReg.password, skipTlsVerify: true }),
    ]);
    const trust = await setUpTrust(inputs);
    expect(trust.werfFlags.skipTlsVerifyRegistry).toBe(true);
    const { dockerConfig } = await login(inputs, WERF, trust);
    const [call] = invocations();
    expect(call?.argv).toContain('--insecure-registry');
    expect(call?.argv).not.toContain('--skip-tls-verify-registry');
    expect(config(dockerConfig).auths[tlsReg.host]).toBeDefined();
  });

  test('plain-HTTP registry with insecure-registry', async () => {
    const inputs = inputsFor([
      registry(httpReg.host, { username: httpReg.username, password: httpReg.password, insecureRegistry: true }),
    ]);
    const trust = await setUpTrust(inputs);
    const { dockerConfig } = await login(inputs, WERF, trust);
    expect(invocations()[0]?.argv).toEqual([
      'cr', 'login', '--username', httpReg.username, '--password-stdin', '--insecure-registry', '--docker-config', dockerConfig, httpReg.host,
    ]); // prettier-ignore
    expect(config(dockerConfig).auths[httpReg.host]).toBeDefined();
  });

  test('a registries list: TLS with CA and plain HTTP, one config dir with both', async () => {
    const inputs = inputsFor([
      registry(tlsReg.host, { username: tlsReg.username, password: tlsReg.password, caCert: ca.certPem }),
      registry(httpReg.host, { username: httpReg.username, password: httpReg.password, insecureRegistry: true }),
    ]);
    const { dockerConfig } = await login(inputs, WERF, await setUpTrust(inputs));
    expect(Object.keys(config(dockerConfig).auths).sort()).toEqual([httpReg.host, tlsReg.host].sort());
    expect(invocations().map((i) => i.argv.at(-1))).toEqual([tlsReg.host, httpReg.host]);
  });

  test("the runner's docker config: other logins kept, credsStore and our host's helper dropped, the original untouched", async () => {
    const home = path.join(runner.dir, 'home-docker');
    const original = JSON.stringify({
      auths: { 'base.example.com': { auth: 'YmFzZTpiYXNl' } },
      credsStore: 'desktop',
      credHelpers: { [tlsReg.host]: 'ecr-login', 'gcr.io': 'gcloud' },
    });
    fs.writeFileSync(path.join(home, 'config.json'), original);
    try {
      const inputs = inputsFor([
        registry(tlsReg.host, { username: tlsReg.username, password: tlsReg.password, caCert: ca.certPem }),
      ]);
      const { dockerConfig } = await login(inputs, WERF, await setUpTrust(inputs));
      const c = config(dockerConfig);
      expect(Object.keys(c.auths).sort()).toEqual(['base.example.com', tlsReg.host].sort());
      expect(c.credsStore).toBeUndefined();
      expect(c.credHelpers).toEqual({ 'gcr.io': 'gcloud' });
      expect(fs.readFileSync(path.join(home, 'config.json'), 'utf8')).toBe(original);
    } finally {
      fs.rmSync(path.join(home, 'config.json'));
    }
  });

  test('no credentials: nothing is created and werf is not run', async () => {
    const n = runner.journal().length;
    const inputs = inputsFor([registry(tlsReg.host, { caCert: ca.certPem })]);
    const trust = await setUpTrust(inputs);
    const before = runner.journal().length;
    expect(await login(inputs, WERF, trust)).toEqual({ dockerConfig: process.env.DOCKER_CONFIG });
    expect(runner.journal().length).toBe(before);
    expect(invocations()).toEqual([]);
    await undoFiles(runner.journal().slice(n));
  });

  test("Docker Hub (a local registry standing in for it): werf's key and the one added for other tools, both gone after the post step's logout", async () => {
    const dockerConfig = fs.mkdtempSync(path.join(runner.dir, 'hub-config-'));
    const base = { auth: 'YmFzZTpiYXNl' };
    // As makeDockerConfigDir leaves it: the runner's other logins, here also an older Docker Hub login of its own.
    fs.writeFileSync(
      path.join(dockerConfig, 'config.json'),
      JSON.stringify({ auths: { 'base.example.com': base, [DOCKER_HUB_KEY]: { auth: 'b2xkOm9sZA==' } } }),
      { mode: 0o600 },
    );
    const caFile = path.join(runner.dir, 'hub-ca.pem');
    fs.writeFileSync(caFile, ca.certPem);
    const hub = registry('docker.io', { username: tlsReg.username, password: tlsReg.password });
    const loggedIn = await runTool(WERF, crLoginArgs(hub, dockerConfig), {
      input: tlsReg.password,
      env: { ...process.env, SSL_CERT_FILE: caFile, WERF_DOUBLE_DOCKER_HUB: tlsReg.host },
    });
    expect(loggedIn.stdout).toBe('Successful login\n');
    await addHubKeyForOtherTools(dockerConfig);
    const ours = { auth: Buffer.from(`${tlsReg.username}:${tlsReg.password}`).toString('base64') };
    expect(config(dockerConfig).auths).toEqual({
      'base.example.com': base,
      [WERF_HUB_KEY]: ours,
      [DOCKER_HUB_KEY]: ours,
    });

    const warningsBefore = runner.warnings().length;
    await logout({ kind: 'logout', registry: 'docker.io', werfPath: WERF, dockerConfig });
    expect(config(dockerConfig).auths).toEqual({ 'base.example.com': base });
    expect(invocations().at(-1)?.argv).toEqual(['cr', 'logout', '--docker-config', dockerConfig]);
    expect(runner.warnings().slice(warningsBefore)).toEqual([]);
    expect(fs.statSync(path.join(dockerConfig, 'config.json')).mode & 0o777).toBe(0o600);
    fs.rmSync(dockerConfig, { recursive: true });
  });

  test('a failed logout in the post step is a warning, not a failure; a registry not logged in is no failure', async () => {
    const warningsBefore = runner.warnings().length;
    // Nothing to erase (no config at all): werf says "Successful logout".
    await logout({
      kind: 'logout',
      registry: '127.0.0.1:1',
      werfPath: WERF,
      dockerConfig: path.join(runner.dir, 'nowhere'),
    });
    expect(runner.warnings().slice(warningsBefore)).toEqual([]);
    // A config.json werf cannot load: werf fails, the post step warns.
    const broken = fs.mkdtempSync(path.join(runner.dir, 'broken-config-'));
    fs.writeFileSync(path.join(broken, 'config.json'), '{"auths": ');
    await logout({ kind: 'logout', registry: '127.0.0.1:1', werfPath: WERF, dockerConfig: broken });
    expect(runner.warnings().slice(warningsBefore)[0]).toMatch(/^werf cr logout from 127\.0\.0\.1:1 failed: /);
  });
});

describe('the credential check against a faulty registry (a fault-injecting proxy in front of the real one)', () => {
  let basicProxy: FaultProxy;
  let plainToken: Registry;
  let tokenProxy: FaultProxy;
  const ALWAYS = Number.POSITIVE_INFINITY;
  const through = (p: FaultProxy, reg: Registry) =>
    inputsFor([registry(p.host, { username: reg.username, password: reg.password, insecureRegistry: true })]);
  const asked = (p: FaultProxy, re: RegExp) => p.seen.filter((l) => re.test(l)).length;

  beforeAll(async () => {
    plainToken = await startRegistry({ tls: false, auth: 'token' });
    basicProxy = await startFaultProxy(httpReg.url);
    tokenProxy = await startFaultProxy({
      registry: plainToken.url,
      tokenIssuer: new URL(plainToken.tokenIssuer!.url).origin,
    });
  });

  afterAll(async () => {
    await basicProxy?.stop();
    await tokenProxy?.stop();
  });

  test('two 503s on /v2/: the check backs off and goes on; the login succeeds', async () => {
    basicProxy.setRules([{ match: /^GET \/v2\/$/, times: 2, fault: { kind: 'status', status: 503 } }]);
    const inputs = through(basicProxy, httpReg);
    const { dockerConfig } = await login(inputs, WERF, await setUpTrust(inputs));
    expect(config(dockerConfig).auths[basicProxy.host]).toBeDefined();
    expect(invocations().map((i) => i.argv.slice(0, 2).join(' '))).toEqual(['cr login']);
  });

  test('a registry that keeps answering 503: fails after about 10 s of backoff, saying it is busy; werf never runs', async () => {
    basicProxy.seen.length = 0;
    basicProxy.setRules([{ match: /^GET \/v2\/$/, times: ALWAYS, fault: { kind: 'status', status: 503 } }]);
    const inputs = through(basicProxy, httpReg);
    const started = Date.now();
    const message = await failureOf(login(inputs, WERF, await setUpTrust(inputs)));
    const ms = Date.now() - started;
    expect(message).toBe(
      `Cannot check the credentials of "${httpReg.username}" for ${basicProxy.host} (registry busy, still after retrying for about 10 s): GET ${basicProxy.url}/v2/ answered 503: no error body`,
    );
    expect(asked(basicProxy, /^GET \/v2\/$/)).toBe(5); // the first try and 4 retries
    expect(ms).toBeGreaterThanOrEqual(8_000); // it did back off (0.6 + 1.25 + 2.5 + 5 s)
    expect(ms).toBeLessThan(30_000);
    expect(invocations()).toEqual([]);
  }, 60_000);

  test('403 on /v2/: refused at once, asked once', async () => {
    basicProxy.seen.length = 0;
    const body = '{"errors":[{"code":"DENIED","message":"requested access to the resource is denied"}]}';
    basicProxy.setRules([{ match: /^GET \/v2\/$/, times: ALWAYS, fault: { kind: 'status', status: 403, body } }]);
    const inputs = through(basicProxy, httpReg);
    const started = Date.now();
    const message = await failureOf(login(inputs, WERF, await setUpTrust(inputs)));
    expect(message).toMatch(
      new RegExp(`^Login to ${basicProxy.host} as "${httpReg.username}" was refused: .*403: DENIED`),
    );
    expect(asked(basicProxy, /^GET \/v2\/$/)).toBe(1);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(invocations()).toEqual([]);
  });

  test('token endpoint: two 503s are ridden out; an endpoint that stays down fails the login as "could not check"', async () => {
    tokenProxy.setRules([{ match: /^GET \/token\?/, times: 2, fault: { kind: 'status', status: 503 } }]);
    const inputs = through(tokenProxy, plainToken);
    const { dockerConfig } = await login(inputs, WERF, await setUpTrust(inputs));
    expect(config(dockerConfig).auths[tokenProxy.host]).toBeDefined();

    fs.rmSync(argvLog, { force: true });
    tokenProxy.seen.length = 0;
    tokenProxy.setRules([{ match: /^GET \/token\?/, times: ALWAYS, fault: { kind: 'status', status: 503 } }]);
    const message = await failureOf(login(inputs, WERF, await setUpTrust(inputs)));
    expect(message).toMatch(
      new RegExp(
        `^Cannot check the credentials of "${plainToken.username}" for ${tokenProxy.host} \\(registry busy, still after retrying for about 10 s\\): The token issuer of ${tokenProxy.host} could not issue a token to user ${plainToken.username}: GET ${tokenProxy.url}/token\\?.* answered 503`,
      ),
    );
    expect(message).not.toMatch(/refused|rejected/);
    expect(asked(tokenProxy, /^GET \/token\?/)).toBe(5);
    expect(invocations()).toEqual([]);
  }, 60_000);
});

describe('pure parts', () => {
  test('crLoginArgs: password never in argv; Docker Hub without REGISTRY; --insecure-registry for skip and HTTP', () => {
    const r = registry('docker.io', { username: 'me', password: 'secret' });
    expect(crLoginArgs(r, '/cfg')).toEqual([
      'cr',
      'login',
      '--username',
      'me',
      '--password-stdin',
      '--docker-config',
      '/cfg',
    ]);
    expect(crLoginArgs({ ...r, host: 'r:5000', skipTlsVerify: true }, '/cfg')).toContain('--insecure-registry');
    expect(crLoginArgs({ ...r, host: 'r:5000', insecureRegistry: true }, '/cfg')).toContain('--insecure-registry');
    expect(crLoginArgs({ ...r, host: 'r:5000' }, '/cfg').join(' ')).not.toContain('secret');
  });

  test("Docker Hub: werf's entry (index.docker.io) also under the key docker and go-containerregistry read, and off it again", () => {
    const entry = { auth: 'bWU6c2VjcmV0' };
    const older = { auth: 'b2xkOm9sZA==' };
    expect(withHubKey({ auths: { [WERF_HUB_KEY]: entry } }).auths).toEqual({
      [WERF_HUB_KEY]: entry,
      [DOCKER_HUB_KEY]: entry,
    });
    // What werf just stored wins over a Hub login the runner's config brought along.
    expect(withHubKey({ auths: { [WERF_HUB_KEY]: entry, [DOCKER_HUB_KEY]: older } }).auths?.[DOCKER_HUB_KEY]).toBe(
      entry,
    );
    expect(withHubKey({ auths: { 'r:5000': entry } }).auths).toEqual({ 'r:5000': entry });
    expect(withoutHubKey({ auths: { [DOCKER_HUB_KEY]: entry, 'r:1': entry } })).toEqual({ auths: { 'r:1': entry } });
    const none = { auths: { 'r:1': entry } };
    expect(withoutHubKey(none)).toBe(none);
  });

  test('derivedSecrets: the password and base64 user:pass', () => {
    expect(derivedSecrets('me', 'secret')).toEqual(['secret', Buffer.from('me:secret').toString('base64')]);
  });
});
