// `command: converge` through the committed bundle (runner emulation, mock GitHub) against a real TLS registry with a
// per-run CA and basic auth: the kubeconfig as a private job file, verify-pull resolved to `cluster` with a stand-in
// for kubectl on PATH (no Kubernetes API server runs here), and what werf's failures are diagnosed as.
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { makeCa, startRegistry, stopAll, type Registry, type TestCa } from './support/rig/index.js';
import { TestJobs, failureLine, leftInRunnerTemp, type Scenario } from './support/scenario.js';
import { makeKubeScene, type KubeCall, type KubeScene } from './support/kube-scene.js';

const PROBE_LABEL = 'werf-ship-action/pull-probe';

let ca: TestCa;
let tls: Registry;
const tests = new TestJobs();
const scenes: KubeScene[] = [];

beforeAll(async () => {
  ca = await makeCa({ cn: 'shop-registry-ca' });
  tls = await startRegistry({ ca, auth: 'basic', puller: true });
});

afterAll(async () => {
  tests.cleanup();
  for (const scene of scenes) scene.remove();
  await stopAll();
});

const scenario = (images?: string[]) => tests.scenario(images);
const run = (s: Scenario, inputs: Record<string, string>, env: Record<string, string> = {}) =>
  tests.run(s, inputs, { env });
const failure = failureLine;

/** The registry inputs every converge here uses: the real TLS registry, its CA, basic auth. */
const registryInputs = (repo: string) => ({
  repo: `${tls.host}/${repo}/stages`,
  'final-repo': `${tls.host}/${repo}/app`,
  username: tls.username,
  password: tls.password,
  'ca-cert': ca.certPem,
});

/** A kubeconfig as `kind get kubeconfig` writes it, with a bearer token of its own: the secret to look for. */
function kubeconfig(): { text: string; base64: string; token: string } {
  const token = `kube-token-${randomBytes(12).toString('hex')}`;
  const text = [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- cluster:',
    `    certificate-authority-data: ${Buffer.from(ca.certPem).toString('base64')}`,
    '    server: https://127.0.0.1:6443',
    '  name: kind-ci',
    'contexts:',
    '- context:',
    '    cluster: kind-ci',
    '    user: ci-deployer',
    '  name: kind-ci',
    'current-context: kind-ci',
    'users:',
    '- name: ci-deployer',
    '  user:',
    `    token: ${token}`,
    '',
  ].join('\n');
  return { text, base64: Buffer.from(text).toString('base64'), token };
}

// Cluster objects as the Kubernetes API returns them (trimmed to what a kind cluster has).
function node(name: string) {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/arch': 'amd64', 'kubernetes.io/os': 'linux' } },
    spec: {},
    status: {
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady' }],
      nodeInfo: { architecture: 'amd64', operatingSystem: 'linux', containerRuntimeVersion: 'containerd://1.7.18' },
    },
  };
}
const NODES = ['kind-control-plane', 'kind-worker'];
const container = (state: object, imageID = '') => ({
  phase: state && 'terminated' in state ? 'Failed' : 'Pending',
  containerStatuses: [{ name: 'image-0', imageID, ready: false, restartCount: 0, started: false, state }],
});
const creating = container({ waiting: { reason: 'ContainerCreating' } });
// The probe's command does not exist: the container fails to start right after the image was pulled.
const pulled = container(
  {
    terminated: {
      exitCode: 128,
      reason: 'StartError',
      message:
        'failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: "/werf-ship-action-pull-probe/not-a-command": stat /werf-ship-action-pull-probe/not-a-command: no such file or directory: unknown',
    },
  },
  'sha256:1b2c',
);

/** A scene for the stand-in for kubectl, and the job environment that puts it first on PATH; removed in afterAll. */
function kubeScene(scene: object, extraEnv: Record<string, string> = {}): KubeScene {
  const made = makeKubeScene(scene, extraEnv);
  scenes.push(made);
  return made;
}

const argOf = (argv: string[] | undefined, flag: string) => argv?.[argv.indexOf(flag) + 1];

/** Everything a job showed (its log but the mask commands, outputs, state, summary) and werf's and kubectl's argv. */
function shown(job: { everything(): string }, s: Scenario, scene: { calls(): KubeCall[] }): string {
  const log = job
    .everything()
    .split('\n')
    .filter((l) => !l.startsWith('::add-mask::'))
    .join('\n');
  return [log, fs.readFileSync(s.argvLog, 'utf8'), JSON.stringify(scene.calls())].join('\n');
}

/**
 * The pull secret `regcred` in `namespace` of the stand-in's scene, as `kubectl get secret -o json` prints it: a
 * dockerconfigjson with an entry for the registry holding the registry's read-only pull account.
 */
function writePullSecret(sceneDir: string, namespace: string): { username: string; password: string; auth: string } {
  const { username, password } = tls.puller!;
  const auth = Buffer.from(`${username}:${password}`).toString('base64');
  const config = JSON.stringify({ auths: { [tls.host]: { username, password, auth } } });
  const secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'regcred', namespace },
    type: 'kubernetes.io/dockerconfigjson',
    data: { '.dockerconfigjson': Buffer.from(config).toString('base64') },
  };
  fs.mkdirSync(path.join(sceneDir, 'secrets', namespace), { recursive: true });
  fs.writeFileSync(path.join(sceneDir, 'secrets', namespace, 'regcred.json'), JSON.stringify(secret));
  return { username, password, auth };
}

describe('converge with kube-config-base64 and a stand-in for kubectl', () => {
  test('a deploy account that may not list nodes (stand-in for kubectl): auto falls back to the registry check, one warning, a green job', async () => {
    const s = scenario();
    const kube = kubeconfig();
    const scene = kubeScene({
      nodes: { apiVersion: 'v1', kind: 'List', items: NODES.map(node) },
      fail: {
        'get nodes':
          'Error from server (Forbidden): nodes is forbidden: User "system:serviceaccount:shop:deployer" cannot list resource "nodes" in API group "" at the cluster scope',
      },
    });
    // The release namespace is werf.yaml's project: the registry mode reads the pull secret there.
    writePullSecret(scene.dir, 'shop');
    const job = await run(
      s,
      {
        ...registryInputs('forbidden'),
        command: 'converge',
        'kube-config-base64': kube.base64,
        'node-trust': 'ca-cert',
        'image-pull-secret': 'regcred',
      },
      scene.env,
    );
    expect({ exit: job.main.exitCode, failure: failure(job) }).toEqual({ exit: 0, failure: undefined });
    const pullCheck = JSON.parse(job.outputs['pull-check'] ?? '{}') as { mode: string; verdict: string };
    expect(pullCheck).toMatchObject({ mode: 'registry', verdict: 'pullable' });
    // No Docker daemon runs in these jobs: the daemon stage's warning about that is its own test's business.
    const warnings = job.main.annotations.filter(
      (a) => a.level === 'warning' && a.properties.title !== 'Docker daemon',
    );
    expect(warnings.map((w) => w.message.split(':')[0])).toEqual(['verify-pull']);
    expect(warnings[0]?.message).toContain('list on nodes');
    expect(scene.created()).toEqual([]);
    expect(job.outputs['pull-check']).toContain('with the credentials of secret regcred');
  });

  test('verify-pull: registry with a kubeconfig reads the image-pull-secret from the release namespace (stand-in for kubectl) and pulls with its account; log, output and summary say so; its credentials masked and on no argv', async () => {
    const s = scenario();
    const kube = kubeconfig();
    const scene = kubeScene({ nodes: { apiVersion: 'v1', kind: 'List', items: NODES.map(node) } });
    const secret = writePullSecret(scene.dir, 'shop-production');
    const job = await run(
      s,
      {
        ...registryInputs('secret'),
        command: 'converge',
        'kube-config-base64': kube.base64,
        args: '--namespace=shop-production',
        'node-trust': 'ca-cert',
        'verify-pull': 'registry',
        'image-pull-secret': 'regcred',
      },
      scene.env,
    );
    expect({ exit: job.main.exitCode, failure: failure(job) }).toEqual({ exit: 0, failure: undefined });
    const pullCheck = JSON.parse(job.outputs['pull-check'] ?? '{}') as {
      mode: string;
      verdict: string;
      results: Array<{ reason: string }>;
    };
    expect(Object.keys(pullCheck)).toEqual(['mode', 'verdict', 'results']);
    expect({ mode: pullCheck.mode, verdict: pullCheck.verdict }).toEqual({ mode: 'registry', verdict: 'pullable' });
    expect(pullCheck.results[0]?.reason).toMatch(
      /pulled as a node would, with the credentials of secret regcred \(linux\/amd64, node-trust: ca-cert, secret regcred\)$/,
    );
    const said = `${tls.host}: the credentials of secret regcred from namespace "shop-production" (its entry "${tls.host}"), read with kubectl, as the kubelet picks them.`;
    expect(job.main.stdout).toContain(`verify-pull: registry sent to ${said}`);
    expect(job.summary).toContain(`Credentials sent to ${said}`);
    // kubectl was asked for the secret in the release namespace, with the job's kubeconfig and without the inputs.
    const get = scene.calls().find((c) => c.argv.includes('secret'));
    expect(get?.argv.slice(1)).toEqual([
      '--namespace=shop-production',
      '--request-timeout=30s',
      'get',
      'secret',
      'regcred',
      '-o',
      'json',
    ]);
    const envs = fs
      .readFileSync(path.join(scene.dir, 'env.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as string[]);
    expect(envs.flat()).toEqual([]);
    // The secret's password (and its base64 user:pass) masked, and in fact never shown anywhere.
    expect(job.masks).toEqual(expect.arrayContaining([secret.password, secret.auth]));
    const surface = shown(job, s, scene);
    for (const value of [secret.password, secret.auth]) expect(surface).not.toContain(value);
    expect(leftInRunnerTemp(job)).toEqual([]);
  });

  test('the kubeconfig is a 0600 file under RUNNER_TEMP for werf and kubectl, masked everywhere, gone after post; auto -> cluster, pullable on each node', async () => {
    const s = scenario();
    const kube = kubeconfig();
    const scene = kubeScene({
      nodes: { apiVersion: 'v1', kind: 'List', items: NODES.map(node) },
      pods: Object.fromEntries(NODES.map((n) => [n, [creating, pulled]])),
    });
    const job = await run(
      s,
      {
        ...registryInputs('conv'),
        command: 'converge',
        'kube-config-base64': kube.base64,
        'kube-context': 'kind-ci',
        args: '--namespace=shop-production',
        'node-trust': 'ca-cert',
        'image-pull-secret': 'regcred',
      },
      scene.env,
    );
    expect({ exit: job.main.exitCode, failure: failure(job) }).toEqual({ exit: 0, failure: undefined });

    // werf gets the kubeconfig as a FILE and the context; never the base64 or its twin variable.
    const converge = s.werfCalls().find((c) => c.argv[0] === 'converge');
    const kubeconfigPath = argOf(converge?.argv, '--kube-config') as string;
    expect(argOf(converge?.argv, '--kube-context')).toBe('kind-ci');
    expect(path.dirname(path.dirname(kubeconfigPath))).toBe(job.runnerTemp);
    expect(converge?.argv).not.toContain('--kube-config-base64');
    expect(converge?.env.WERF_KUBE_CONFIG_BASE64).toBeUndefined();

    // kubectl saw that same file, private and with the kubeconfig's content, while the main step ran.
    const mainCalls = scene.calls().filter((c) => c.step === 'main');
    expect(mainCalls.length).toBeGreaterThanOrEqual(4); // nodes, create, get pods..., delete
    const sha = createHash('sha256').update(kube.text).digest('hex');
    for (const call of mainCalls) {
      expect(call.kubeconfig).toEqual({ path: kubeconfigPath, exists: true, mode: '600', sha256: sha });
      expect(call.argv.slice(1, 3)).toEqual(['--context=kind-ci', '--namespace=shop-production']);
    }

    const pullCheck = JSON.parse(job.outputs['pull-check'] ?? '{}') as {
      mode: string;
      verdict: string;
      results: Array<{ image: string; node: string; ok: boolean; reason: string }>;
    };
    expect({ mode: pullCheck.mode, verdict: pullCheck.verdict }).toEqual({ mode: 'cluster', verdict: 'pullable' });
    expect(pullCheck.results.map((r) => [r.image, r.node, r.ok])).toEqual([
      ['app', 'kind-control-plane', true],
      ['app', 'kind-worker', true],
    ]);
    const images = JSON.parse(job.outputs.images ?? '{}') as Record<string, { digest: string }>;
    expect(pullCheck.results[0]?.reason).toContain(images.app?.digest);
    // One probe pod per node, created in one call, each pinned to its node.
    expect(scene.created()).toHaveLength(2);

    // The post step deleted leftovers by the run's label, with the kubeconfig still there; then removed it.
    const runId = scene.created()[0]?.metadata.labels[PROBE_LABEL];
    const postDelete = scene.calls().find((c) => c.step === 'post');
    expect(postDelete?.argv.slice(-6)).toEqual([
      'delete',
      'pods',
      '-l',
      `${PROBE_LABEL}=${runId}`,
      '--ignore-not-found',
      '--wait=false',
    ]);
    expect(postDelete?.kubeconfig.exists).toBe(true);
    expect(job.post?.exitCode).toBe(0);
    expect(job.post?.annotations.filter((a) => a.level !== 'notice')).toEqual([]);
    expect(fs.existsSync(kubeconfigPath)).toBe(false);
    expect(leftInRunnerTemp(job)).toEqual([]);

    // Masked, and in fact never shown: not in stdout/stderr, outputs, state, summary, werf's or kubectl's argv.
    expect(job.masks).toEqual(expect.arrayContaining([kube.base64, kube.text]));
    const surface = shown(job, s, scene);
    for (const secret of [kube.base64, kube.text, kube.token]) expect(surface).not.toContain(secret);

    // werf (every call, main and post) and kubectl (and so a kubeconfig exec plugin) never saw the action's inputs.
    expect(s.werfCalls().map((c) => [c.argv[0], c.inputs])).toEqual(s.werfCalls().map((c) => [c.argv[0], []]));
    expect(scene.calls().map((c) => [c.step, c.inputs])).toEqual(scene.calls().map((c) => [c.step, []]));
    expect(scene.calls().some((c) => c.step === 'post')).toBe(true);
  });

  test("the probe pods' namespace is the one werf deployed to: get-namespace asked with converge's --dir, env and werf.yaml's deploy.namespace (stand-in for kubectl)", async () => {
    const s = scenario();
    fs.mkdirSync(path.join(s.workspace, 'deploy'));
    fs.writeFileSync(
      path.join(s.workspace, 'deploy', 'werf.yaml'),
      'project: billing\nconfigVersion: 1\ndeploy:\n  namespace: "[[ project ]]_[[ env ]]"\n---\nimage: app\nfrom: alpine:3.20\n',
    );
    const scene = kubeScene({
      nodes: { apiVersion: 'v1', kind: 'List', items: NODES.map(node) },
      pods: Object.fromEntries(NODES.map((n) => [n, [pulled]])),
    });
    const job = await run(
      s,
      {
        ...registryInputs('nsdir'),
        command: 'converge',
        env: 'review',
        'kube-config-base64': kubeconfig().base64,
        args: '--dir=deploy',
        'node-trust': 'ca-cert',
        'image-pull-secret': 'regcred',
      },
      scene.env,
    );
    expect({ exit: job.main.exitCode, failure: failure(job) }).toEqual({ exit: 0, failure: undefined });
    // werf slugified "billing_review" for its deploy; the action asked werf the same way and got the same name.
    const deployed = /namespace: "([^"]+)"/.exec(job.main.stdout)?.[1];
    expect(deployed).toMatch(/^billing-review-[0-9a-f]{1,8}$/);
    const asked = s.werfCalls().find((c) => c.argv[0] === 'helm');
    expect(asked?.argv).toEqual(['helm', 'get-namespace', '--env', 'review', '--dir=deploy']);
    const mainCalls = scene.calls().filter((c) => c.step === 'main');
    expect(mainCalls.length).toBeGreaterThan(0);
    for (const call of mainCalls) expect(call.argv).toContain(`--namespace=${deployed}`);
  });

  test('the kubelet reports ErrImagePull with x509 (stand-in for kubectl): not-pullable, containerd hosts.toml `ca` fix, one failure line; post deletes the leftover probes', async () => {
    const s = scenario();
    const kube = kubeconfig();
    const ref = `${tls.host}/x509/app@sha256:${'5e'.repeat(32)}`;
    const x509 = `failed to pull and unpack image "${ref}": failed to resolve reference "${ref}": failed to do request: Head "https://${tls.host}/v2/x509/app/manifests/sha256:${'5e'.repeat(32)}": tls: failed to verify certificate: x509: certificate signed by unknown authority`;
    const errImagePull = container({ waiting: { reason: 'ErrImagePull', message: x509 } });
    const failedEvent = {
      apiVersion: 'v1',
      kind: 'Event',
      type: 'Warning',
      reason: 'Failed',
      message: `Failed to pull image "${ref}": ${x509}`,
      involvedObject: { kind: 'Pod', name: '$POD', namespace: 'default', fieldPath: 'spec.containers{image-0}' },
      lastTimestamp: '2026-11-25T12:00:01Z',
    };
    // The main step's delete fails (the API server went away), so the probes are left for the post step.
    const scene = kubeScene(
      {
        nodes: { apiVersion: 'v1', kind: 'List', items: NODES.map(node) },
        pods: Object.fromEntries(NODES.map((n) => [n, [creating, errImagePull]])),
        events: Object.fromEntries(NODES.map((n) => [n, [failedEvent]])),
      },
      { KUBECTL_SCENE_FAIL_MAIN_DELETE: '1' },
    );
    const job = await run(
      s,
      { ...registryInputs('x509'), 'kube-config-base64': kube.base64, 'image-pull-secret': 'regcred' },
      scene.env,
    );

    const pullCheck = JSON.parse(job.outputs['pull-check'] ?? '{}') as {
      mode: string;
      verdict: string;
      results: Array<{ node: string; ok: boolean; reason: string; remediation: string }>;
    };
    expect({ mode: pullCheck.mode, verdict: pullCheck.verdict }).toEqual({ mode: 'cluster', verdict: 'not-pullable' });
    expect(pullCheck.results.map((r) => [r.node, r.ok])).toEqual([
      ['kind-control-plane', false],
      ['kind-worker', false],
    ]);
    for (const r of pullCheck.results) {
      expect(r.reason).toContain('x509: certificate signed by unknown authority');
      expect(r.remediation).toContain(`/etc/containerd/certs.d/${tls.host}/hosts.toml`);
      expect(r.remediation).toContain(`ca = "/etc/containerd/certs.d/${tls.host}/ca.crt"`);
    }

    expect(job.main.exitCode).toBe(1);
    const failed = job.main.annotations.filter((a) => a.level === 'error' && !a.properties.title);
    expect(failed).toHaveLength(1);
    expect(failed[0]?.message).toMatch(
      /^verify-pull: not-pullable: 2 of 2 checks failed; app on node kind-control-plane: .*x509: certificate signed by unknown authority/,
    );
    expect(failed[0]?.message).not.toContain('\n');
    // The same finding on both nodes is one annotation that names them.
    const nodeFindings = job.main.annotations.filter((a) => a.properties.title === 'Nodes cannot pull');
    expect(nodeFindings.map((a) => a.level)).toEqual(['error']);
    expect(nodeFindings[0]?.message).toMatch(
      /^app on nodes kind-control-plane, kind-worker: app on kind-control-plane: /,
    );

    // The main step's delete failed; the post step's delete by the run's label removed the probes.
    const runId = scene.created()[0]?.metadata.labels[PROBE_LABEL];
    const deletes = scene.calls().filter((c) => c.argv.includes('delete'));
    expect(deletes.map((c) => [c.step, c.argv.at(-3)])).toEqual([
      ['main', `${PROBE_LABEL}=${runId}`],
      ['post', `${PROBE_LABEL}=${runId}`],
    ]);
    expect(scene.podsLeft()).toEqual([]);
    expect(job.post?.exitCode).toBe(0);
    expect(leftInRunnerTemp(job)).toEqual([]);
  });
});

describe("diagnosis of werf's failures", () => {
  const ref = () => `${tls.host}/deploy/app:${'c0ffee'.repeat(9)}ab-1764072000123`;
  test.each([
    {
      what: 'without credentials (401)',
      kubelet: (r: string) =>
        `pulling from host ${tls.host} failed with status code [manifests ${r.split(':').pop()}]: 401 Unauthorized`,
      expected: [/without credentials the registry accepts/, /imagePullSecret/, /--set-docker-config-json-value/],
    },
    {
      what: 'not trusting the registry (x509)',
      kubelet: (r: string) =>
        `failed to do request: Head "https://${tls.host}/v2/deploy/app/manifests/${r.split(':').pop()}": tls: failed to verify certificate: x509: certificate signed by unknown authority`,
      expected: [/do not trust .*'s certificate/, /hosts\.toml with ca =/, /node-trust: ca-cert/],
    },
  ])('the deploy fails with ImagePullBackOff, nodes $what: the job fails with the diagnosis', async (c) => {
    const s = scenario();
    const image = ref();
    // werf's deploy tracker (kubedog) prints the kubelet's reason for the pod as one line.
    const deployError = `deploy/shop-app ERROR: po/shop-app-6f7c9d8b5-x2x7k container/app: ImagePullBackOff: Back-off pulling image "${image}": ErrImagePull: failed to pull and unpack image "${image}": failed to resolve reference "${image}": ${c.kubelet(image)}`;
    const job = await run(
      s,
      { ...registryInputs('deploy'), 'verify-pull': 'off' },
      {
        WERF_DOUBLE_DEPLOY_ERROR: deployError,
      },
    );
    expect(job.main.exitCode).toBe(1);
    const message = failure(job) ?? '';
    expect(message.startsWith(`werf converge failed: The `)).toBe(true);
    expect(message).toContain(`"${image}"`);
    for (const re of c.expected) expect(message).toMatch(re);
    const annotation = job.main.annotations.find((a) => a.level === 'error' && a.properties.title);
    expect(annotation?.properties.title).toBe('Nodes cannot pull the image');
    expect(message).toContain(annotation?.message);
    expect(job.post?.exitCode).toBe(0);
    expect(leftInRunnerTemp(job)).toEqual([]);
  });

  test('skip-tls-verify with no CA for the Docker daemon: the daemon push fails with x509 and the diagnosis names the daemon and its certs.d', async () => {
    const s = scenario();
    // The trust stage lets werf skip verification, but the daemon pushing the stages has neither the CA nor an
    // insecure-registries entry: werf's flags never reach it.
    const job = await run(s, {
      repo: `${tls.host}/daemon/stages`,
      username: tls.username,
      password: tls.password,
      'skip-tls-verify': 'true',
      'verify-pull': 'off',
    });
    expect(s.werfCalls().find((c) => c.argv[0] === 'converge')?.argv).toContain('--skip-tls-verify-registry');
    expect(job.main.exitCode).toBe(1);
    const message = failure(job) ?? '';
    expect(message).toMatch(
      new RegExp(
        `^werf converge failed: the Docker daemon could not verify the TLS certificate of ${tls.host.replace(/\./g, '\\.')} \\(.*x509: certificate signed by unknown authority\\)`,
      ),
    );
    expect(message).toContain(`/etc/docker/certs.d/${tls.host}/ca.crt`);
    expect(message).toContain('ca-cert');
    expect(message).toContain('insecure-registries');
    expect(message).not.toContain('werf itself');
    const annotation = job.main.annotations.find((a) => a.level === 'error' && a.properties.title);
    expect(annotation?.properties.title).toBe('Registry certificate not trusted');
    expect(job.post?.exitCode).toBe(0);
    expect(leftInRunnerTemp(job)).toEqual([]);
  });
});
