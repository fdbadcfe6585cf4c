/**
 * verify-pull: registry with the image-pull-secret's own credentials: the secret is read with a stand-in for kubectl
 * (no Kubernetes API server runs here; it serves `get secret NAME -o json` from a fixture file) and its credentials go
 * to real registries (TLS with a private CA; basic auth, and token auth with a read-only pull account). What a node
 * would get from the secret is checked; what stood in for it is said. The credentials are masked at once and reach no
 * argv, no log line and no child's environment.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, jest, test } from '@jest/globals';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkPull, pullCheckOutput, type PullCheck } from '../../src/nodes/index.js';
import type { KubeTarget } from '../../src/nodes/kubectl.js';
import { credentialsPlan, readPullSecret, sourceSentence } from '../../src/nodes/pull-secret.js';
import type { CheckedImage } from '../../src/nodes/targets.js';
import type { RegistryAccess } from '../../src/registry/index.js';
import { renderSummary } from '../../src/summary.js';
import { removeTempDir, seedImages, startRegistry, stopAll, type Registry } from '../support/rig/index.js';
import { authEntry, node, nodeList, pullSecret, STAND_IN, writeSecretFixture } from './kube-objects.js';

const NS = 'shop';
let basic: Registry; // TLS, htpasswd: the pusher (the login) and a puller
let token: Registry; // TLS, token auth: the puller may only pull
const digests = new Map<Registry, string>();
let root: string;
let dir: string;
let kube: KubeTarget;
let stdout: string[];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'nodes-pull-secret-'));
  [basic, token] = await Promise.all([
    startRegistry({ tls: true, auth: 'basic', puller: true }),
    startRegistry({ tls: true, auth: 'token', puller: true }),
  ]);
  for (const reg of [basic, token]) digests.set(reg, (await seedImages(reg)).ociIndex.digest);
}, 120_000);
afterAll(async () => {
  await stopAll();
  if (root) await removeTempDir(root);
});

// core.info/warning/setSecret write workflow commands to stdout (no runner here): captured to read them.
beforeEach(async () => {
  stdout = [];
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout.push(String(chunk));
    return true;
  });
  dir = await mkdtemp(join(root, 'scene-'));
  await writeFile(join(dir, 'scene.json'), JSON.stringify({ nodes: nodeList(node('n1')) }));
  kube = { kubeconfigPath: join(dir, 'kubeconfig'), context: 'kind-ci', namespace: NS, kubectlPath: STAND_IN };
});
afterEach(() => {
  jest.restoreAllMocks();
});
const commands = (name: string) =>
  stdout.filter((l) => l.startsWith(`::${name}::`)).map((l) => l.slice(name.length + 4).trimEnd());
// core.info: a plain line
const infos = () => stdout.filter((l) => !l.startsWith('::')).map((l) => l.trimEnd());
const lines = async (file: string) =>
  (await readFile(join(dir, file), 'utf8').catch(() => ''))
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as string[]);

const image = (reg: Registry): CheckedImage => ({
  name: 'app',
  image: `${reg.host}/demo:multi`,
  digest: digests.get(reg)!,
  repo: 'demo',
  host: reg.host,
});
/** How the runner reaches the registry: the login is the pusher's account, which works. */
const loginOf =
  (reg: Registry) =>
  (host: string): RegistryAccess => ({
    host,
    scheme: 'https',
    trust: 'ca',
    ca: reg.ca!.certPem,
    username: reg.username,
    password: reg.password,
  });
const secretWith = (auths: object, type?: string) => writeSecretFixture(dir, pullSecret('regcred', NS, auths, type));
const check = (reg: Registry, o: { kube?: KubeTarget | undefined; command?: 'build' | 'converge' } = {}) =>
  checkPull({
    mode: 'registry',
    command: o.command ?? 'converge',
    nodeTrust: 'ca-cert',
    images: [image(reg)],
    access: loginOf(reg),
    caCert: reg.ca!.certPem,
    imagePullSecret: 'regcred',
    kube: 'kube' in o ? o.kube : kube,
    platforms: ['linux/amd64'],
  });
const only = (result: PullCheck) => {
  expect(result.results).toHaveLength(1);
  return result.results[0]!;
};
const replaceLine = (reg: Registry) =>
  `kubectl create secret docker-registry regcred --namespace=${NS} --docker-server=${reg.host} --docker-username=<username> --docker-password=<password or token> --dry-run=client -o yaml | kubectl apply -f -`;
const createLine = (reg: Registry) =>
  `kubectl create secret docker-registry regcred --namespace=${NS} --docker-server=${reg.host} --docker-username=<username> --docker-password=<password or token>`;

describe('the secret read with kubectl (stand-in for kubectl, real registries)', () => {
  test.each([
    ['basic auth', () => basic],
    ['token auth, a read-only pull account', () => token],
  ])('%s: the right credentials in the secret -> pullable, with the credentials of secret regcred', async (_n, reg) => {
    const r = reg();
    await secretWith({ [r.host]: authEntry(r.puller!.username, r.puller!.password) });
    const result = await check(r);
    expect(result.verdict).toBe('pullable');
    expect(only(result)).toEqual({
      image: 'app',
      ok: true,
      reason: `manifest and blobs of ${digests.get(r)} pulled as a node would, with the credentials of secret regcred (linux/amd64, node-trust: ca-cert, secret regcred)`,
      remediation: '',
    });
    const said = `${r.host}: the credentials of secret regcred from namespace "${NS}" (its entry "${r.host}"), read with kubectl, as the kubelet picks them.`;
    expect(result.credentials).toEqual([said]);
    expect(infos()).toContain(`verify-pull: registry sent to ${said}`);
    // The output keeps interface.md's shape; the summary says whose credentials were sent.
    expect(Object.keys(JSON.parse(pullCheckOutput(result)) as object)).toEqual(['mode', 'verdict', 'results']);
    expect(renderSummary({ command: 'converge', problems: [], stages: [], pullCheck: result })).toContain(
      `Credentials sent to ${r.host}: the credentials of secret regcred from namespace "${NS}"`,
    );
    // kubectl was asked for the secret in the release namespace, as JSON.
    const argv = await lines('argv.jsonl');
    expect(argv.map((a) => a.slice(4))).toContainEqual(['get', 'secret', 'regcred', '-o', 'json']);
    expect(argv.find((a) => a.includes('secret'))).toContain(`--namespace=${NS}`);
  });

  test("the registry sees the secret's account, not the login's (the login's password is wrong here)", async () => {
    await secretWith({ [`https://${token.host}/v2/`]: authEntry(token.puller!.username, token.puller!.password) });
    const result = await checkPull({
      mode: 'registry',
      command: 'converge',
      nodeTrust: 'ca-cert',
      images: [image(token)],
      access: (host) => ({ ...loginOf(token)(host), password: 'not-the-password' }),
      caCert: token.ca!.certPem,
      imagePullSecret: 'regcred',
      kube,
      platforms: ['linux/amd64'],
    });
    expect(result.verdict).toBe('pullable');
  });

  test.each([
    ['basic auth', () => basic],
    ['token auth', () => token],
  ])(
    "%s: wrong credentials in the secret -> the registry refused the credentials in secret regcred, though the login's work",
    async (_n, reg) => {
      const r = reg();
      await secretWith({ [r.host]: authEntry(r.puller!.username, 'a-wrong-password') });
      const result = await check(r);
      expect(result.verdict).toBe('needs-credentials');
      const row = only(result);
      expect(row.ok).toBe(false);
      expect(row.reason).toMatch(/^the registry refused the credentials in secret regcred: /);
      expect(row.reason).toMatch(/\(linux\/amd64, node-trust: ca-cert, secret regcred\)$/);
      expect(row.remediation).toBe(
        `Put credentials that may pull from ${r.host} into the entry "${r.host}" of secret regcred: ${replaceLine(r)}`,
      );
      expect(JSON.stringify(result)).not.toContain('a-wrong-password');
    },
  );

  test('the secret does not exist -> a node pulls without credentials, and the registry wants them', async () => {
    const result = await check(basic);
    expect(result.verdict).toBe('needs-credentials');
    const row = only(result);
    expect(row.reason).toMatch(
      new RegExp(
        `^secret regcred in namespace "${NS}" does not exist, so a node pulls without credentials; the registry requires credentials for the pull: `,
      ),
    );
    expect(row.reason).toMatch(/\(linux\/amd64, node-trust: ca-cert, anonymous, secret regcred unusable\)$/);
    expect(row.remediation).toBe(
      `Create it where the pods run and list it in their imagePullSecrets: ${createLine(basic)}`,
    );
    expect(result.credentials).toEqual([
      `${basic.host}: no credentials: secret regcred in namespace "${NS}" does not exist, so a node pulls without credentials.`,
    ]);
  });

  test('no entry for the registry (another port, another host) -> a finding that names the entries and the fix', async () => {
    const otherPort = basic.host.replace(/:\d+$/, ':1');
    await secretWith({
      [otherPort]: authEntry(basic.puller!.username, basic.puller!.password),
      'ghcr.io': authEntry('x', 'y'),
    });
    const result = await check(basic);
    expect(result.verdict).toBe('needs-credentials');
    const row = only(result);
    expect(row.reason).toContain(
      `secret regcred in namespace "${NS}" has no entry the kubelet uses for ${basic.host} (its entries: "${otherPort}", "ghcr.io"; host and port must match as written), so a node pulls without credentials; the registry requires credentials for the pull: `,
    );
    expect(row.remediation).toBe(
      `Add an entry for ${basic.host}: ${replaceLine(basic)} (this replaces its entries; to keep them, add "${basic.host}" to the "auths" of its .dockerconfigjson instead)`,
    );
  });

  test('a secret of another type (Opaque) gives a node no credentials', async () => {
    await secretWith({ [basic.host]: authEntry(basic.puller!.username, basic.puller!.password) }, 'Opaque');
    const row = only(await check(basic));
    expect(row.ok).toBe(false);
    expect(row.reason).toMatch(
      /^secret regcred in namespace "shop" is of type "Opaque", which the kubelet takes no credentials from \(only kubernetes.io\/dockerconfigjson and kubernetes.io\/dockercfg\), so a node pulls without credentials; /,
    );
    expect(row.remediation).toBe(
      `Recreate it as a docker-registry secret (the type of a secret cannot change): kubectl delete secret regcred --namespace=${NS}, then ${createLine(basic)}`,
    );
  });

  test('the legacy .dockercfg secret works as the kubelet reads it', async () => {
    await secretWith(
      { [`https://${basic.host}`]: authEntry(basic.puller!.username, basic.puller!.password) },
      'kubernetes.io/dockercfg',
    );
    expect(only(await check(basic)).reason).toContain('pulled as a node would, with the credentials of secret regcred');
  });

  test('an entry with only an identitytoken: the kubelet sends none, so the node pulls without credentials', async () => {
    await secretWith({ [basic.host]: { identitytoken: 'an-identity-token' } });
    const row = only(await check(basic));
    expect(row.ok).toBe(false);
    expect(row.reason).toContain(
      `the entry "${basic.host}" of secret regcred in namespace "${NS}" has no username and password, only an identitytoken or registrytoken, which the kubelet does not send`,
    );
    expect(commands('add-mask')).toContain('an-identity-token');
  });

  test('an `auth` that does not decode: the kubelet fails the pull without asking the registry', async () => {
    await secretWith({ [basic.host]: { auth: 'not base64!' } });
    const row = only(await check(basic));
    expect(row).toMatchObject({ ok: false });
    expect(row.reason).toBe(
      `the kubelet cannot read secret regcred in namespace "${NS}" (its entry "${basic.host}": its "auth" is not base64), so a node fails every pull that uses it (linux/amd64, node-trust: ca-cert, anonymous, secret regcred unusable)`,
    );
    expect(row.remediation).toBe(`Write it anew: ${replaceLine(basic)}`);
  });

  test('the kubelet tries the entry with the longer path first and the next when the registry refuses it', async () => {
    await secretWith({
      [`${basic.host}/demo`]: authEntry('stale-robot', 'stale-password'),
      [basic.host]: authEntry(basic.puller!.username, basic.puller!.password),
    });
    const result = await check(basic);
    expect(result.verdict).toBe('pullable');
    expect(result.credentials).toEqual([expect.stringContaining(`(its entry "${basic.host}")`)]);
  });

  test('a registry that serves anonymous pulls: a missing secret is a warning with the fix, the image is pullable', async () => {
    const open = await startRegistry({ tls: true, auth: 'none' });
    const openDigest = (await seedImages(open)).oci.digest;
    const result = await checkPull({
      mode: 'registry',
      command: 'converge',
      nodeTrust: 'ca-cert',
      images: [{ ...image(open), digest: openDigest }],
      access: (host) => ({ host, scheme: 'https', trust: 'ca', ca: open.ca!.certPem, username: '', password: '' }),
      caCert: open.ca!.certPem,
      imagePullSecret: 'regcred',
      kube,
      platforms: ['linux/amd64'],
    });
    expect(result.verdict).toBe('pullable');
    const row = only(result);
    expect(row.reason).toContain(
      `pulled as a node would, without credentials: secret regcred in namespace "${NS}" does not exist`,
    );
    expect(row.remediation).toBe(
      `Create it where the pods run and list it in their imagePullSecrets: ${createLine(open)}`,
    );
    expect(commands('warning')).toEqual([
      `verify-pull: secret regcred in namespace "${NS}" does not exist, so a node pulls without credentials; the registry served ${open.host} without credentials. Create it where the pods run and list it in their imagePullSecrets: ${createLine(open)}`,
    ]);
  });
});

describe('what stood in for the secret, said in the log, the output and the summary', () => {
  test("no kubeconfig: the login's credentials in place of secret regcred, and the output says so", async () => {
    const result = await check(basic, { kube: undefined });
    expect(result.verdict).toBe('pullable');
    expect(only(result).reason).toBe(
      `manifest and blobs of ${digests.get(basic)} pulled with the login's credentials in place of secret regcred, which the check did not read: there is no kubeconfig to read it with (linux/amd64, node-trust: ca-cert, the login's credentials in place of secret regcred)`,
    );
    const said = `${basic.host}: the login's credentials stood in for secret regcred, which the check did not read: there is no kubeconfig to read it with.`;
    expect(result.credentials).toEqual([said]);
    expect(infos()).toContain(`verify-pull: registry sent to ${said}`);
    expect(renderSummary({ command: 'build', problems: [], stages: [], pullCheck: result })).toContain(
      `Credentials sent to ${said}`,
    );
  });

  test('command: build has no kubeconfig: said as such', async () => {
    const result = await check(basic, { kube: undefined, command: 'build' });
    expect(only(result).reason).toContain(
      'in place of secret regcred, which the check did not read: command: build deploys nothing, so there is no kubeconfig to read it with',
    );
  });

  test("kubectl may not get the secret (Forbidden): the login's credentials stand in, with a warning naming the grant", async () => {
    const forbidden =
      'Error from server (Forbidden): secrets "regcred" is forbidden: User "system:serviceaccount:shop:deployer" cannot get resource "secrets" in API group "" in the namespace "shop"';
    await writeFile(
      join(dir, 'scene.json'),
      JSON.stringify({ nodes: nodeList(node('n1')), fail: { 'get secret': forbidden } }),
    );
    const result = await check(basic);
    expect(result.verdict).toBe('pullable');
    expect(only(result).reason).toContain(
      `pulled with the login's credentials in place of secret regcred, which the check did not read: kubectl could not get it: ${forbidden}`,
    );
    expect(commands('warning')).toEqual([
      `verify-pull: registry could not read secret regcred (kubectl could not get it: ${forbidden}): the login's credentials stood in for it, so the check says nothing about the secret. For the check to use it, grant the deploy account get on secrets in the namespace "${NS}" (a Role; resourceNames: [regcred] is enough).`,
    ]);
  });

  test('no image-pull-secret: no credentials, as before, and no note', async () => {
    const result = await checkPull({
      mode: 'registry',
      command: 'converge',
      nodeTrust: 'ca-cert',
      images: [image(basic)],
      access: loginOf(basic),
      caCert: basic.ca!.certPem,
      imagePullSecret: '',
      kube,
      platforms: ['linux/amd64'],
    });
    expect(result.verdict).toBe('needs-credentials');
    expect(result.credentials).toBeUndefined();
    expect(only(result).reason).toMatch(/\(linux\/amd64, node-trust: ca-cert, anonymous\)$/);
    expect((await lines('argv.jsonl')).some((a) => a.includes('secret'))).toBe(false);
  });
});

describe("the secret's credentials stay secret", () => {
  test('masked before anything is logged; on no argv; kubectl gets no INPUT_* variable', async () => {
    const { username, password } = basic.puller!;
    const entry = authEntry(username, password);
    const secret = pullSecret('regcred', NS, {
      [basic.host]: entry,
      'other.example.com': { username: 'u', password: 'other-password' },
    });
    await writeSecretFixture(dir, secret);
    const raw = secret.data['.dockerconfigjson']!;
    process.env.INPUT_PASSWORD = 'the-login-password';
    try {
      await check(basic);
    } finally {
      delete process.env.INPUT_PASSWORD;
    }
    const masks = commands('add-mask');
    // Each credential, the base64 user:pass derived from it, and the secret's data as kubectl prints it.
    expect(masks).toEqual(expect.arrayContaining([password, entry.auth, 'other-password', raw]));
    // Every line that holds a credential is a mask command, and the masks come before any other line.
    const firstOther = stdout.findIndex((l) => !l.startsWith('::add-mask::'));
    const lastMask = stdout.map((l) => l.startsWith('::add-mask::')).lastIndexOf(true);
    expect(lastMask).toBeLessThan(firstOther);
    for (const l of stdout.filter((x) => !x.startsWith('::add-mask::'))) {
      for (const s of [password, entry.auth, 'other-password']) expect(l).not.toContain(s);
    }
    const argv = JSON.stringify(await lines('argv.jsonl'));
    for (const s of [password, entry.auth, 'other-password']) expect(argv).not.toContain(s);
    const envs = await lines('env.jsonl');
    expect(envs.length).toBeGreaterThan(0);
    expect(envs.flat()).toEqual([]);
  });
});

describe('credentialsPlan and sourceSentence (pure)', () => {
  const access = (host: string): RegistryAccess => ({
    host,
    scheme: 'https',
    trust: 'system',
    username: '',
    password: '',
  });
  test('a job without a login for the registry says it sent no credentials in place of the secret', () => {
    const [creds] = credentialsPlan({ imagePullSecret: 'regcred', access, noSecretWhy: 'no kubeconfig' }).forImage({
      host: 'reg.example.com',
      repo: 'app',
    });
    expect(creds).toEqual({
      username: '',
      password: '',
      source: { kind: 'login', secret: 'regcred', why: 'no kubeconfig', loggedIn: false },
    });
    expect(sourceSentence(creds!.source, 'reg.example.com')).toBe(
      'reg.example.com: no credentials (the job has no login for it) stood in for secret regcred, which the check did not read: no kubeconfig.',
    );
  });

  test("the kube context's namespace when the release's is unknown; no --namespace in the fix", () => {
    const [creds] = credentialsPlan({
      imagePullSecret: 'regcred',
      access,
      kube: { kubeconfigPath: '/k', context: '', namespace: '' },
      state: { state: 'missing' },
    }).forImage({ host: 'docker.io', repo: 'team/app' });
    expect(creds!.source).toMatchObject({
      kind: 'unusable',
      problem: {
        reason: "secret regcred in the kube context's namespace does not exist, so a node pulls without credentials",
        fix: 'Create it where the pods run and list it in their imagePullSecrets: kubectl create secret docker-registry regcred --docker-server=https://index.docker.io/v1/ --docker-username=<username> --docker-password=<password or token>',
      },
    });
  });

  test('readPullSecret: the type decides which key the kubelet reads; another type or an empty key gives nothing', async () => {
    const printed = (secret: object) => async () => ({ exitCode: 0, stdout: JSON.stringify(secret), stderr: '' });
    const entry = authEntry('robot', 'pw-in-a-secret');
    const json = pullSecret('regcred', NS, { 'reg.example.com': entry });
    expect(await readPullSecret(printed(json), 'regcred', kube)).toEqual({
      state: 'read',
      entries: [{ key: 'reg.example.com', username: 'robot', password: 'pw-in-a-secret', hasToken: false }],
    });
    // A dockercfg secret whose data sits under .dockerconfigjson: the kubelet looks under .dockercfg only.
    expect(await readPullSecret(printed({ ...json, type: 'kubernetes.io/dockercfg' }), 'regcred', kube)).toEqual({
      state: 'no-data',
      key: '.dockercfg',
    });
    expect(await readPullSecret(printed({ ...json, type: undefined }), 'regcred', kube)).toEqual({
      state: 'wrong-type',
      type: 'no type',
    });
    expect(commands('add-mask')).toEqual(expect.arrayContaining(['pw-in-a-secret', entry.auth]));
  });

  test('readPullSecret: kubectl not startable is unreadable, with kubectl to install', async () => {
    const state = await readPullSecret(
      async () => ({ exitCode: 127, stdout: '', stderr: 'spawn kubectl ENOENT' }),
      'regcred',
      kube,
    );
    expect(state).toEqual({
      state: 'unreadable',
      why: 'kubectl could not get it: spawn kubectl ENOENT',
      fix: 'install kubectl on the runner (for example with azure/setup-kubectl)',
    });
  });
});
