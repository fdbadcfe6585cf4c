/**
 * When the cluster check cannot run (no kubectl, an account that may not list nodes or create pods, a policy that
 * refuses the probe pods, no node to probe): `verify-pull: auto` answers in the registry mode with one warning that
 * says why and how to get the cluster check; `verify-pull: cluster` fails with one clear error. The cluster runs as a
 * stand-in for kubectl (no Kubernetes API server runs here); the registry mode talks to a real registry (TLS with a
 * private CA, basic auth) with real seeded images.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, jest, test } from '@jest/globals';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ActionError } from '../../src/errors.js';
import { checkPull, ClusterCheckUnavailable, type PullCheck } from '../../src/nodes/index.js';
import type { KubeTarget } from '../../src/nodes/kubectl.js';
import { PROBE_LABEL } from '../../src/nodes/probe-pods.js';
import { unavailableFrom } from '../../src/nodes/unavailable.js';
import type { CheckedImage } from '../../src/nodes/targets.js';
import type { RegistryAccess } from '../../src/registry/index.js';
import {
  removeTempDir,
  seedImages,
  startRegistry,
  stopAll,
  type Registry,
  type SeededImage,
} from '../support/rig/index.js';
import { authEntry, node, nodeList, pullSecret, STAND_IN, writeSecretFixture } from './kube-objects.js';

const SA = 'system:serviceaccount:app-production:deployer';
const NODES_FORBIDDEN = `Error from server (Forbidden): nodes is forbidden: User "${SA}" cannot list resource "nodes" in API group "" at the cluster scope`;
const PODS_FORBIDDEN = `Error from server (Forbidden): error when creating "STDIN": pods is forbidden: User "${SA}" cannot create resource "pods" in API group "" in the namespace "app-production"`;
const LIST_PODS_FORBIDDEN = `Error from server (Forbidden): pods is forbidden: User "${SA}" cannot list resource "pods" in API group "" in the namespace "app-production"`;
// As Kyverno answers: the policy and rule that blocked the pod come below the first line.
const KYVERNO = [
  'Error from server: error when creating "STDIN": admission webhook "validate.kyverno.svc-fail" denied the request: ',
  '',
  'resource Pod/app-production/werf-pull-probe-x-1 was blocked due to the following policies ',
  '',
  'require-team-label:',
  "  check-team: 'validation error: label team is required. rule check-team failed at path /metadata/labels/team/'",
].join('\n');
const POD_SECURITY = `Error from server (Forbidden): error when creating "STDIN": pods "werf-pull-probe-x-0" is forbidden: violates PodSecurity "restricted:latest": unrestricted capabilities`;
// What the cluster check needs, as the warning and the error must spell it out.
const RBAC =
  'list on nodes (a ClusterRole) and create, get, list, delete on pods and list on events in the namespace "app-production" (a Role)';

let reg: Registry;
let seeded: SeededImage;
let root: string;
let dir: string;
let kube: KubeTarget;
let stdout: string[];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'nodes-fallback-'));
  reg = await startRegistry({ tls: true, auth: 'basic', puller: true });
  seeded = (await seedImages(reg)).ociIndex;
}, 120_000);
afterAll(async () => {
  await stopAll();
  if (root) await removeTempDir(root);
});

// core.warning writes `::warning::…` to stdout (no runner here): captured to count and read the warnings.
beforeEach(() => {
  stdout = [];
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout.push(String(chunk));
    return true;
  });
});
afterEach(() => {
  jest.restoreAllMocks();
});
const warnings = () =>
  stdout.filter((l) => l.startsWith('::warning')).map((l) => l.replace(/^::warning::/, '').trimEnd());

async function scene(s: object, kubectlPath = STAND_IN): Promise<void> {
  dir = await mkdtemp(join(root, 'scene-'));
  await writeFile(join(dir, 'scene.json'), JSON.stringify(s));
  // The release's pull secret, with a read-only account: the registry mode pulls with it after a fallback.
  const auths = { [reg.host]: authEntry(reg.puller!.username, reg.puller!.password) };
  await writeSecretFixture(dir, pullSecret('regcred', 'app-production', auths));
  kube = { kubeconfigPath: join(dir, 'kubeconfig'), context: 'kind-ci', namespace: 'app-production', kubectlPath };
}
const lines = async (file: string) =>
  (await readFile(join(dir, file), 'utf8').catch(() => ''))
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as string[]);
const podsLeft = async () => JSON.parse(await readFile(join(dir, 'pods.json'), 'utf8').catch(() => '[]')) as unknown[];

const app = (): CheckedImage => ({
  name: 'app',
  image: `${reg.host}/demo:multi`,
  digest: seeded.digest,
  repo: 'demo',
  host: reg.host,
});
const access = (host: string): RegistryAccess => ({
  host,
  scheme: 'https',
  trust: 'ca',
  ca: reg.ca!.certPem,
  username: reg.username,
  password: reg.password,
});
const check = (mode: 'auto' | 'cluster', images: CheckedImage[] = [app()]): Promise<PullCheck> =>
  checkPull({
    mode,
    command: 'converge',
    nodeTrust: 'ca-cert',
    images,
    access,
    caCert: reg.ca!.certPem,
    imagePullSecret: 'regcred',
    kube,
    pollMs: 10,
  });
const registryRow = (platform: string) => ({
  image: 'app',
  ok: true,
  reason: `manifest and blobs of ${seeded.digest} pulled as a node would, with the credentials of secret regcred (${platform}, node-trust: ca-cert, secret regcred)`,
  remediation: '',
});
/** The registry mode's answer after a fallback: the rows, and that the secret's credentials were sent. */
const registryResult = (...results: object[]) => ({
  mode: 'registry',
  verdict: 'pullable',
  results,
  credentials: [
    `${reg.host}: the credentials of secret regcred from namespace "app-production" (its entry "${reg.host}"), read with kubectl, as the kubelet picks them.`,
  ],
});
const GET_SECRET = ['get', 'secret', 'regcred', '-o', 'json'];

describe('verify-pull: auto falls back to the registry mode (stand-in for kubectl, real registry)', () => {
  test('Forbidden on `get nodes`: registry mode result and one warning with the RBAC the cluster check needs', async () => {
    await scene({ nodes: nodeList(node('n1')), fail: { 'get nodes': NODES_FORBIDDEN } });
    const result = await check('auto');

    expect(result).toEqual(registryResult(registryRow('linux/amd64')));
    expect(warnings()).toEqual([
      `verify-pull: auto checked the images over the registry API (registry mode) instead of with probe pods: the cluster check may not list nodes (Forbidden for the account "${SA}"). For the cluster check, grant the account "${SA}" ${RBAC}; or set verify-pull: registry to silence this warning.`,
    ]);
    // The node list was refused, so nothing was created; the registry mode then reads the pull secret only.
    expect((await lines('argv.jsonl')).map((a) => a.slice(4))).toEqual([['get', 'nodes', '-o', 'json'], GET_SECRET]);
    expect(await lines('created.jsonl')).toEqual([]);
  });

  test('kubectl not on PATH (kubectlPath is a missing file): registry mode and a warning to install kubectl', async () => {
    await scene({ nodes: nodeList(node('n1')) });
    kube.kubectlPath = join(dir, 'missing', 'kubectl');
    const result = await check('auto');

    // kubectl cannot read the secret either: the login's credentials stand in for it, and the row says so.
    const why = 'kubectl could not be started';
    expect(result).toEqual({
      mode: 'registry',
      verdict: 'pullable',
      results: [
        {
          image: 'app',
          ok: true,
          reason: `manifest and blobs of ${seeded.digest} pulled with the login's credentials in place of secret regcred, which the check did not read: ${why} (linux/amd64, node-trust: ca-cert, the login's credentials in place of secret regcred)`,
          remediation: '',
        },
      ],
      credentials: [
        `${reg.host}: the login's credentials stood in for secret regcred, which the check did not read: ${why}.`,
      ],
    });
    expect(warnings()).toEqual([
      `verify-pull: auto checked the images over the registry API (registry mode) instead of with probe pods: the cluster check could not start kubectl (spawn ${kube.kubectlPath} ENOENT). For the cluster check, install kubectl on the runner (for example with azure/setup-kubectl); or set verify-pull: registry to silence this warning.`,
    ]);
  });

  test('a policy engine refuses one probe pod: registry mode for the nodes platforms, no probe pod left', async () => {
    await scene({
      nodes: nodeList(node('node-a'), node('node-b', { arch: 'arm64' })),
      refuse: { 'node-b': KYVERNO },
    });
    const result = await check('auto');

    // The node list was read: the registry mode checks the platforms the nodes have.
    expect(result).toEqual(registryResult(registryRow('linux/amd64'), registryRow('linux/arm64')));
    const [warning, ...more] = warnings();
    expect(more).toEqual([]);
    expect(warning).toMatch(
      /^verify-pull: auto checked the images over the registry API \(registry mode\) instead of with probe pods: the cluster check could not create its probe pods in the namespace "app-production": Error from server: error when creating "STDIN": admission webhook "validate\.kyverno\.svc-fail" denied the request: /,
    );
    // kubectl's whole answer, on one line: the policy that refused the pod is named.
    expect(warning).toContain(
      "denied the request: resource Pod/app-production/werf-pull-probe-x-1 was blocked due to the following policies require-team-label: check-team: 'validation error: label team is required.",
    );
    expect(warning).not.toContain('\n');
    expect(warning).toContain(
      `For the cluster check, let that namespace admit the pull-only probe pods (label ${PROBE_LABEL}; they meet Pod Security "restricted" and request 1m CPU and 4Mi memory each); or set verify-pull: registry to silence this warning.`,
    );
    // node-a's probe was created before node-b's was refused; the clean-up deleted it by the run's label.
    const created = await lines('created.jsonl');
    expect(created).toHaveLength(1);
    const runId = (created[0] as unknown as { metadata: { labels: Record<string, string> } }).metadata.labels[
      PROBE_LABEL
    ];
    expect((await lines('argv.jsonl')).at(-1)!.slice(4)).toEqual(GET_SECRET);
    expect((await lines('argv.jsonl')).at(-2)!.slice(4)).toEqual([
      'delete',
      'pods',
      '-l',
      `${PROBE_LABEL}=${runId}`,
      '--ignore-not-found',
      '--wait=false',
    ]);
    expect(await podsLeft()).toEqual([]);
  });

  test('create forbidden by RBAC: fallback with the permission named, no probe pod left', async () => {
    await scene({ nodes: nodeList(node('n1')), fail: { create: PODS_FORBIDDEN } });
    const result = await check('auto');
    expect(result.mode).toBe('registry');
    expect(result.verdict).toBe('pullable');
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]).toContain(`the cluster check may not create pods (Forbidden for the account "${SA}")`);
    expect(warnings()[0]).toContain(RBAC);
    expect((await lines('argv.jsonl')).at(-2)).toContain('delete');
    expect(await podsLeft()).toEqual([]);
  });

  test('Forbidden listing the probe pods after they were created: fallback, and the probes are deleted', async () => {
    await scene({ nodes: nodeList(node('n1')), fail: { 'get pods': LIST_PODS_FORBIDDEN } });
    const result = await check('auto');
    expect(result.mode).toBe('registry');
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]).toContain('the cluster check may not list pods');
    expect(await lines('created.jsonl')).toHaveLength(1);
    expect((await lines('argv.jsonl')).at(-2)).toContain('delete');
    expect(await podsLeft()).toEqual([]);
  });

  test('no Ready, schedulable node: fallback with a warning, nothing created', async () => {
    await scene({ nodes: nodeList(node('cordoned', { cordoned: true }), node('down', { ready: false })) });
    const result = await check('auto');
    expect(result).toEqual(registryResult(registryRow('linux/amd64')));
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]).toContain('the cluster check found no Ready, schedulable node to put a probe pod on');
    expect(await lines('created.jsonl')).toEqual([]);
  });

  test('a real pull failure (ErrImagePull) is an answer: cluster mode stays, no warning, no fallback', async () => {
    const REF = `${reg.host}/demo@${seeded.digest}`;
    const x509 = `failed to pull and unpack image "${REF}": failed to resolve reference "${REF}": failed to do request: Head "https://${reg.host}/v2/demo/manifests/${seeded.digest}": tls: failed to verify certificate: x509: certificate signed by unknown authority`;
    await scene({
      nodes: nodeList(node('n1')),
      pods: {
        n1: [
          {
            phase: 'Pending',
            containerStatuses: [
              {
                name: 'image-0',
                image: REF,
                imageID: '',
                state: { waiting: { reason: 'ErrImagePull', message: x509 } },
              },
            ],
          },
        ],
      },
    });
    const result = await check('auto');
    expect(result.mode).toBe('cluster');
    expect(result.verdict).toBe('not-pullable');
    expect(result.results[0]).toMatchObject({ image: 'app', node: 'n1', ok: false });
    expect(result.results[0]!.reason).toMatch(/does not trust the CA/);
    expect(warnings()).toEqual([]);
    expect(await podsLeft()).toEqual([]);
  });

  test('a cluster that cannot be reached is not masked: the error stays, no fallback', async () => {
    await scene({
      nodes: nodeList(node('n1')),
      fail: { 'get nodes': 'Unable to connect to the server: dial tcp 10.0.0.1:6443: connect: connection refused' },
    });
    await expect(check('auto')).rejects.toThrow(
      'verify-pull: cluster could not list nodes with kubectl: Unable to connect to the server: dial tcp 10.0.0.1:6443: connect: connection refused',
    );
    expect(warnings()).toEqual([]);
  });
});

describe('verify-pull: cluster asked for explicitly fails with one clear error (stand-in for kubectl)', () => {
  const errorOf = async (): Promise<ActionError> => {
    const err = await check('cluster').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClusterCheckUnavailable);
    expect(err).toBeInstanceOf(ActionError);
    return err as ActionError;
  };

  test('Forbidden on `get nodes` names the missing permission and suggests verify-pull: registry', async () => {
    await scene({ nodes: nodeList(node('n1')), fail: { 'get nodes': NODES_FORBIDDEN } });
    const err = await errorOf();
    expect(err.message).toBe(
      `verify-pull: cluster may not list nodes (Forbidden for the account "${SA}"); grant the account "${SA}" ${RBAC}, or use verify-pull: registry.`,
    );
    expect(err.details).toBe(`${NODES_FORBIDDEN}\n`);
    expect(warnings()).toEqual([]);
  });

  test('kubectl not on PATH names kubectl', async () => {
    await scene({ nodes: nodeList(node('n1')) });
    kube.kubectlPath = join(dir, 'missing', 'kubectl');
    const err = await errorOf();
    expect(err.message).toBe(
      `verify-pull: cluster could not start kubectl (spawn ${kube.kubectlPath} ENOENT); install kubectl on the runner (for example with azure/setup-kubectl), or use verify-pull: registry.`,
    );
  });

  test('Pod Security refusing the probe pods names the refusal; no probe pod left', async () => {
    await scene({ nodes: nodeList(node('n1')), fail: { create: POD_SECURITY } });
    const err = await errorOf();
    expect(err.message).toBe(
      `verify-pull: cluster could not create its probe pods in the namespace "app-production": ${POD_SECURITY}; let that namespace admit the pull-only probe pods (label ${PROBE_LABEL}; they meet Pod Security "restricted" and request 1m CPU and 4Mi memory each), or use verify-pull: registry.`,
    );
    expect((await lines('argv.jsonl')).at(-1)).toContain('delete');
    expect(await podsLeft()).toEqual([]);
  });
});

describe('unavailableFrom: which kubectl failures mean the cluster check cannot run (pure)', () => {
  const target: KubeTarget = { kubeconfigPath: '/k', context: '', namespace: '' };
  const res = (stderr: string, exitCode = 1) => ({ exitCode, stdout: '', stderr });
  test.each([
    ['list nodes', res('spawn kubectl ENOENT', 127), 'no-kubectl'],
    ['list nodes', res(NODES_FORBIDDEN), 'forbidden'],
    ['create pods', res(PODS_FORBIDDEN), 'forbidden'],
    ['create pods', res(POD_SECURITY), 'refused'],
    ['create pods', res(KYVERNO), 'refused'],
    [
      'list events',
      res('Error from server (Forbidden): events is forbidden: User "ci" cannot list resource "events"'),
      'forbidden',
    ],
    ['list nodes', res('error: You must be logged in to the server (Unauthorized)'), undefined],
    ['create pods', res('Unable to connect to the server: net/http: TLS handshake timeout'), undefined],
  ] as const)('%s: %j -> %s', (step, r, why) => {
    expect(unavailableFrom(step, r, target)?.why).toBe(why);
  });

  test('without a namespace the RBAC names the deploy namespace; without a user in the answer, the deploy account', () => {
    const e = unavailableFrom('list nodes', res('Error from server (Forbidden): nodes is forbidden'), target);
    expect(e?.message).toBe(
      'verify-pull: cluster may not list nodes (Forbidden for the deploy account); grant the deploy account list on nodes (a ClusterRole) and create, get, list, delete on pods and list on events in the deploy namespace (a Role), or use verify-pull: registry.',
    );
  });
});
