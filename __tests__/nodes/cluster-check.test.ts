/**
 * verify-pull: cluster's orchestration against a stand-in for kubectl (no Kubernetes API server runs here; the
 * end-to-end run against a kind cluster is in .github/workflows). The stand-in answers with the JSON shapes the
 * Kubernetes API returns: a NodeList with taints and cordoned nodes, pod statuses that go through ContainerCreating,
 * ErrImagePull and ImagePullBackOff, and the kubelet's events.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ActionError } from '../../src/errors.js';
import { checkOnNodes } from '../../src/nodes/cluster-check.js';
import { checkPull, deleteProbes, resolveMode } from '../../src/nodes/index.js';
import { kubectlFor, type KubeTarget } from '../../src/nodes/kubectl.js';
import { PROBE_LABEL } from '../../src/nodes/probe-pods.js';
import { pullCheckImages } from '../../src/nodes/targets.js';
import type { CleanupEntry } from '../../src/state.js';
import { node, nodeList, STAND_IN } from './kube-objects.js';

const DIGEST = `sha256:${'ab'.repeat(32)}`;
const image = {
  name: 'backend',
  image: `reg.example.com:5443/app:abc-1`,
  digest: DIGEST,
  repo: 'app',
  host: 'reg.example.com:5443',
};
const REF = `reg.example.com:5443/app@${DIGEST}`;

let root: string;
let dir: string;
let kube: KubeTarget;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'nodes-kubectl-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function scene(s: object): Promise<void> {
  dir = await mkdtemp(join(root, 'scene-'));
  await writeFile(join(dir, 'scene.json'), JSON.stringify(s));
  kube = {
    kubeconfigPath: join(dir, 'kubeconfig'),
    context: 'kind-ci',
    namespace: 'app-production',
    kubectlPath: STAND_IN,
  };
}
const lines = async (file: string) =>
  (await readFile(join(dir, file), 'utf8').catch(() => ''))
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
const podsLeft = async () => JSON.parse(await readFile(join(dir, 'pods.json'), 'utf8')) as unknown[];

// Pod statuses as the API reports them for the probe's container.
const creating = {
  phase: 'Pending',
  containerStatuses: [
    {
      name: 'image-0',
      image: REF,
      imageID: '',
      ready: false,
      restartCount: 0,
      started: false,
      state: { waiting: { reason: 'ContainerCreating' } },
    },
  ],
};
const startError = {
  phase: 'Failed',
  containerStatuses: [
    {
      name: 'image-0',
      image: REF,
      imageID: REF,
      ready: false,
      restartCount: 0,
      started: false,
      state: {
        terminated: {
          exitCode: 128,
          reason: 'StartError',
          message:
            'failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: "/werf-ship-action-pull-probe/not-a-command": stat /werf-ship-action-pull-probe/not-a-command: no such file or directory: unknown',
        },
      },
    },
  ],
};
const waiting = (reason: string, message: string) => ({
  phase: 'Pending',
  containerStatuses: [
    {
      name: 'image-0',
      image: REF,
      imageID: '',
      ready: false,
      restartCount: 0,
      started: false,
      state: { waiting: { reason, message } },
    },
  ],
});
const X509 = `failed to pull and unpack image "${REF}": failed to resolve reference "${REF}": failed to do request: Head "https://reg.example.com:5443/v2/app/manifests/${DIGEST}": tls: failed to verify certificate: x509: certificate signed by unknown authority`;
const UNAUTHORIZED = `failed to pull and unpack image "${REF}": failed to resolve reference "${REF}": pulling from host reg.example.com:5443 failed with status code [manifests ${DIGEST}]: 401 Unauthorized`;
const failedEvent = (message: string) => ({
  apiVersion: 'v1',
  kind: 'Event',
  type: 'Warning',
  reason: 'Failed',
  message,
  involvedObject: { kind: 'Pod', name: '$POD', namespace: 'app-production', fieldPath: 'spec.containers{image-0}' },
  lastTimestamp: '2026-11-25T12:00:01Z',
});
const backOffEvent = { ...failedEvent(`Back-off pulling image "${REF}"`), reason: 'BackOff' };

describe('verify-pull: cluster with a stand-in for kubectl', () => {
  test('probes every Ready, uncordoned node at once with a pinned, pull-only pod and deletes the probes', async () => {
    await scene({
      nodes: nodeList(
        node('kind-control-plane', {
          taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }],
        }),
        node('kind-worker', { arch: 'arm64', runtime: 'cri-o://1.30.1' }),
        node('kind-worker2', { cordoned: true }),
        node('kind-worker3', { ready: false }),
      ),
      pods: { 'kind-control-plane': [creating, startError], 'kind-worker': [creating, creating, startError] },
    });
    const recorded: CleanupEntry[] = [];
    const results = await checkOnNodes({
      images: [image],
      kube,
      imagePullSecret: 'regcred',
      pollMs: 10,
      record: (e) => recorded.push(e),
    });

    expect(results.map((r) => [r.node.name, r.node.platform, r.node.runtime, r.ok])).toEqual([
      ['kind-control-plane', 'linux/amd64', 'containerd', true],
      ['kind-worker', 'linux/arm64', 'cri-o', true],
    ]);
    const created = await lines('created.jsonl');
    expect(created).toHaveLength(2);
    const runId = created[0].metadata.labels[PROBE_LABEL] as string;
    expect(runId).toMatch(/^[0-9a-f]{8}$/);
    for (const [i, pod] of created.entries()) {
      expect(pod.spec).toEqual({
        nodeName: ['kind-control-plane', 'kind-worker'][i],
        restartPolicy: 'Never',
        automountServiceAccountToken: false,
        enableServiceLinks: false,
        activeDeadlineSeconds: 240,
        terminationGracePeriodSeconds: 0,
        tolerations: [{ operator: 'Exists' }],
        // What Pod Security `restricted` demands of a pod and each container.
        securityContext: { runAsNonRoot: true, runAsUser: 65534, seccompProfile: { type: 'RuntimeDefault' } },
        imagePullSecrets: [{ name: 'regcred' }],
        containers: [
          {
            name: 'image-0',
            image: REF,
            imagePullPolicy: 'Always',
            command: ['/werf-ship-action-pull-probe/not-a-command'],
            securityContext: {
              allowPrivilegeEscalation: false,
              capabilities: { drop: ['ALL'] },
              readOnlyRootFilesystem: true,
            },
            resources: { requests: { cpu: '1m', memory: '4Mi' }, limits: { cpu: '10m', memory: '16Mi' } },
          },
        ],
      });
    }
    const selector = `${PROBE_LABEL}=${runId}`;
    expect(recorded).toEqual([
      {
        kind: 'delete-probes',
        kubeconfigPath: kube.kubeconfigPath,
        kubeContext: 'kind-ci',
        namespace: 'app-production',
        selector,
      },
    ]);
    const argv = await lines('argv.jsonl');
    // Every call points at the converge's cluster and namespace; both pods are created in one call (at once).
    for (const a of argv)
      expect(a.slice(0, 3)).toEqual([
        `--kubeconfig=${kube.kubeconfigPath}`,
        '--context=kind-ci',
        '--namespace=app-production',
      ]);
    expect(argv.filter((a) => a.includes('create'))).toHaveLength(1);
    expect(argv.at(-1).slice(4)).toEqual(['delete', 'pods', '-l', selector, '--ignore-not-found', '--wait=false']);
    expect(await podsLeft()).toEqual([]);
  });

  test('reads the kubelet message behind ImagePullBackOff and ErrImagePull, per node runtime', async () => {
    await scene({
      nodes: nodeList(node('node-a'), node('node-b', { runtime: 'docker://24.0.7' })),
      pods: {
        'node-a': [
          creating,
          waiting('ErrImagePull', X509),
          waiting('ImagePullBackOff', `Back-off pulling image "${REF}"`),
        ],
        'node-b': [creating, waiting('ErrImagePull', UNAUTHORIZED)],
      },
      events: {
        'node-a': [
          failedEvent(`Failed to pull image "${REF}": ${X509}`),
          { ...failedEvent('Error: ErrImagePull') },
          backOffEvent,
        ],
      },
    });
    const check = await checkPull({
      mode: 'auto',
      command: 'converge',
      nodeTrust: 'system',
      images: [image],
      access: () => {
        throw new Error('cluster mode does not talk to the registry');
      },
      caCert: '',
      imagePullSecret: '',
      kube,
      kubectl: kubectlFor(kube),
      pollMs: 10,
    });
    expect(check.mode).toBe('cluster');
    expect(check.verdict).toBe('not-pullable');
    const [a, b] = check.results;
    expect(a).toMatchObject({ image: 'backend', node: 'node-a', ok: false });
    expect(a!.reason).toMatch(/does not trust the CA/);
    expect(a!.reason).toMatch(/x509: certificate signed by unknown authority/);
    expect(a!.remediation).toMatch(/^containerd: \/etc\/containerd\/certs.d\/reg.example.com:5443\/hosts.toml/);
    expect(a!.remediation).not.toMatch(/Docker|CRI-O/);
    expect(b).toMatchObject({ image: 'backend', node: 'node-b', ok: false });
    expect(b!.reason).toMatch(/requires credentials.*401 Unauthorized/);
    expect(b!.remediation).toMatch(/image-pull-secret/);
    expect(await podsLeft()).toEqual([]);
  });

  test('an image werf reported no digest for is probed by its tag; one with neither tag nor digest is not probed', async () => {
    const TAGGED = 'reg.example.com:5443/web:def-2';
    const pulledBoth = {
      ...startError,
      containerStatuses: [
        startError.containerStatuses[0],
        { ...startError.containerStatuses[0], name: 'image-1', image: TAGGED, imageID: `${TAGGED}@${DIGEST}` },
      ],
    };
    await scene({ nodes: nodeList(node('n1')), pods: { n1: [creating, pulledBoth] } });
    const images = pullCheckImages({
      backend: { image: image.image, digest: DIGEST, ref: REF, platforms: [] },
      frontend: { image: TAGGED, digest: '', ref: 'reg.example.com:5443/web@', platforms: [] },
      odd: { image: 'reg.example.com:5443/odd:', digest: '', ref: 'reg.example.com:5443/odd@', platforms: [] },
    });
    const check = await checkPull({
      mode: 'cluster',
      command: 'converge',
      nodeTrust: 'system',
      images,
      access: () => {
        throw new Error('cluster mode does not talk to the registry');
      },
      caCert: '',
      imagePullSecret: '',
      kube,
      pollMs: 10,
    });
    const created = await lines('created.jsonl');
    expect(created).toHaveLength(1);
    expect(created[0].spec.containers.map((c: { image: string }) => c.image)).toEqual([REF, TAGGED]);
    expect(check.verdict).toBe('not-pullable');
    expect(check.results).toEqual([
      {
        image: 'backend',
        node: 'n1',
        ok: true,
        reason: `the node pulled ${DIGEST} (linux/amd64, containerd)`,
        remediation: '',
      },
      {
        image: 'frontend',
        node: 'n1',
        ok: true,
        reason: 'the node pulled the tag def-2 (checked by tag: werf reported no digest) (linux/amd64, containerd)',
        remediation: '',
      },
      {
        image: 'odd',
        ok: false,
        reason: 'werf reported no digest and no tag for reg.example.com:5443/odd:, so there is nothing to pull it by',
        remediation: expect.stringContaining("werf's build report"),
      },
    ]);
    expect(await podsLeft()).toEqual([]);
  });

  test('a failed pull by tag names the tag in the reason', async () => {
    const TAGGED = 'reg.example.com:5443/web:def-2';
    const x509 = X509.replaceAll(REF, TAGGED).replace(`manifests/${DIGEST}`, 'manifests/def-2');
    await scene({ nodes: nodeList(node('n1')), pods: { n1: [waiting('ErrImagePull', x509)] } });
    const check = await checkPull({
      mode: 'cluster',
      command: 'converge',
      nodeTrust: 'system',
      images: pullCheckImages({ frontend: { image: TAGGED, digest: '', ref: '', platforms: [] } }),
      access: () => {
        throw new Error('unused');
      },
      caCert: '',
      imagePullSecret: '',
      kube,
      pollMs: 10,
    });
    expect(check.verdict).toBe('not-pullable');
    expect(check.results[0]!.reason).toMatch(
      /^checked by tag def-2 \(werf reported no digest\): the node does not trust the CA/,
    );
    expect(check.results[0]!.remediation).toMatch(/hosts.toml/);
  });

  test('a node that neither pulls nor fails before the timeout is reported, and the probes are deleted', async () => {
    await scene({ nodes: nodeList(node('slow'), node('fast')), pods: { slow: [creating], fast: [startError] } });
    const started = Date.now();
    const results = await checkOnNodes({
      images: [image],
      kube,
      imagePullSecret: '',
      timeoutMs: 300,
      pollMs: 20,
      record: () => undefined,
    });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(results.map((r) => [r.node.name, r.ok])).toEqual([
      ['slow', false],
      ['fast', true],
    ]);
    expect(results[0]!.failure!.reason).toMatch(/neither pulled nor failed .* after 0 s/);
    expect(await podsLeft()).toEqual([]);
  });

  test('cancelling deletes the probes and rejects', async () => {
    await scene({ nodes: nodeList(node('n1')), pods: { n1: [creating] } });
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 200);
    await expect(
      checkOnNodes({
        images: [image],
        kube,
        imagePullSecret: '',
        pollMs: 20,
        signal: abort.signal,
        record: () => undefined,
      }),
    ).rejects.toThrow(/abort/i);
    expect((await lines('argv.jsonl')).at(-1)).toContain('delete');
    expect(await podsLeft()).toEqual([]);
  });

  test('a create forbidden by RBAC is one clear error naming the permission, and the delete still runs', async () => {
    await scene({
      nodes: nodeList(node('n1')),
      fail: {
        create:
          'Error from server (Forbidden): pods is forbidden: User "ci" cannot create resource "pods" in API group "" in the namespace "app-production"',
      },
    });
    const err = await checkOnNodes({ images: [image], kube, imagePullSecret: '', record: () => undefined }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ActionError);
    expect((err as Error).message).toMatch(
      /^verify-pull: cluster may not create pods \(Forbidden for the account "ci"\); grant the account "ci" list on nodes/,
    );
    expect((await lines('argv.jsonl')).at(-1)).toContain('delete');
  });

  test("a create that fails for want of the API server stays an ordinary error with kubectl's line", async () => {
    await scene({
      nodes: nodeList(node('n1')),
      fail: { create: 'Unable to connect to the server: dial tcp 10.0.0.1:6443: i/o timeout' },
    });
    const err = await checkOnNodes({ images: [image], kube, imagePullSecret: '', record: () => undefined }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ActionError);
    expect((err as Error).message).toBe(
      'Could not start the pull probe pods: Unable to connect to the server: dial tcp 10.0.0.1:6443: i/o timeout',
    );
    expect((await lines('argv.jsonl')).at(-1)).toContain('delete');
  });

  test('no schedulable node is an error before anything is created', async () => {
    await scene({ nodes: nodeList(node('cordoned', { cordoned: true })) });
    await expect(checkOnNodes({ images: [image], kube, imagePullSecret: '', record: () => undefined })).rejects.toThrow(
      /no Ready, schedulable node/,
    );
    expect((await lines('argv.jsonl')).map((a) => a[4])).toEqual(['get']);
  });
});

describe('post step: deleteProbes with a stand-in for kubectl', () => {
  test("removes exactly the recorded run's leftover probes by label", async () => {
    await scene({ nodes: nodeList() });
    const pod = (name: string, run: string) => ({
      metadata: { name, labels: { [PROBE_LABEL]: run } },
      spec: { nodeName: 'n' },
    });
    await writeFile(
      join(dir, 'pods.json'),
      JSON.stringify([pod('mine-0', 'aaaa1111'), pod('mine-1', 'aaaa1111'), pod('other', 'bbbb2222')]),
    );
    const entry = {
      kind: 'delete-probes' as const,
      kubeconfigPath: kube.kubeconfigPath,
      kubeContext: 'kind-ci',
      namespace: 'app-production',
      selector: `${PROBE_LABEL}=aaaa1111`,
    };
    await deleteProbes(entry, STAND_IN);
    expect((await podsLeft()).map((p) => (p as { metadata: { name: string } }).metadata.name)).toEqual(['other']);
    expect((await lines('argv.jsonl')).at(-1)).toEqual([
      `--kubeconfig=${kube.kubeconfigPath}`,
      '--context=kind-ci',
      '--namespace=app-production',
      '--request-timeout=30s',
      'delete',
      'pods',
      '-l',
      `${PROBE_LABEL}=aaaa1111`,
      '--ignore-not-found',
      '--wait=false',
    ]);
  });

  test('a kubectl failure is thrown, for the post step to warn about', async () => {
    await scene({ nodes: nodeList(), fail: { delete: 'error: You must be logged in to the server (Unauthorized)' } });
    const entry = {
      kind: 'delete-probes' as const,
      kubeconfigPath: kube.kubeconfigPath,
      kubeContext: '',
      namespace: '',
      selector: `${PROBE_LABEL}=aaaa1111`,
    };
    await expect(deleteProbes(entry, STAND_IN)).rejects.toThrow(/could not delete the pull probe pods/);
  });
});

describe('resolveMode (auto as interface.md says)', () => {
  test.each([
    ['auto', 'converge', true, 'cluster'],
    ['auto', 'converge', false, 'registry'],
    ['auto', 'build', true, 'registry'],
    ['auto', 'build', false, 'registry'],
    ['off', 'converge', true, 'off'],
    ['registry', 'converge', true, 'registry'],
    ['cluster', 'build', false, 'cluster'],
  ] as const)('%s with %s, kubeconfig %s -> %s', (mode, command, hasKube, expected) => {
    const kube = hasKube ? { kubeconfigPath: '/k', context: '', namespace: '' } : undefined;
    expect(resolveMode({ mode, command, kube })).toBe(expected);
  });

  test('cluster without a kubeconfig is a clear error; off is skipped', async () => {
    const base = {
      command: 'build' as const,
      nodeTrust: 'system' as const,
      images: [image],
      access: () => {
        throw new Error('unused');
      },
      caCert: '',
      imagePullSecret: '',
    };
    await expect(checkPull({ ...base, mode: 'cluster' })).rejects.toThrow(/needs a kubeconfig/);
    expect(await checkPull({ ...base, mode: 'off' })).toEqual({ mode: 'off', verdict: 'skipped', results: [] });
  });
});
