/**
 * Kubernetes objects as `kubectl get ... -o json` prints them, for the scenes of the stand-in for kubectl
 * (__tests__/support/kubectl-stand-in/kubectl).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The stand-in for kubectl (no Kubernetes API server runs on the test machines). */
export const STAND_IN = join(import.meta.dirname, '../support/kubectl-stand-in/kubectl');

/** A Node object (fields trimmed to what a kind cluster has). */
export function node(
  name: string,
  o: { arch?: string; runtime?: string; ready?: boolean; cordoned?: boolean; taints?: object[] } = {},
) {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: { 'kubernetes.io/arch': o.arch ?? 'amd64', 'kubernetes.io/os': 'linux', 'kubernetes.io/hostname': name },
    },
    spec: {
      podCIDR: '10.244.0.0/24',
      ...(o.cordoned ? { unschedulable: true } : {}),
      ...(o.taints ? { taints: o.taints } : {}),
    },
    status: {
      conditions: [
        { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory' },
        {
          type: 'Ready',
          status: o.ready === false ? 'Unknown' : 'True',
          reason: o.ready === false ? 'NodeStatusUnknown' : 'KubeletReady',
        },
      ],
      nodeInfo: {
        architecture: o.arch ?? 'amd64',
        operatingSystem: 'linux',
        containerRuntimeVersion: o.runtime ?? 'containerd://1.7.18',
        kubeletVersion: 'v1.30.0',
        osImage: 'Debian GNU/Linux 12 (bookworm)',
      },
    },
  };
}

/** A NodeList of `items`. */
export const nodeList = (...items: object[]) => ({
  apiVersion: 'v1',
  kind: 'List',
  items,
  metadata: { resourceVersion: '' },
});

/** An entry of a docker config's "auths", as `kubectl create secret docker-registry` writes one. */
export const authEntry = (username: string, password: string) => ({
  username,
  password,
  auth: Buffer.from(`${username}:${password}`).toString('base64'),
});

/**
 * A Secret as `kubectl get secret NAME -o json` prints it: a kubernetes.io/dockerconfigjson secret holding `auths`
 * (or, with `type: 'kubernetes.io/dockercfg'`, the legacy .dockercfg whose top level is the entries; any other type
 * keeps the docker config under .dockerconfigjson, as a secret made with the wrong type does).
 */
export function pullSecret(name: string, namespace: string, auths: object, type = 'kubernetes.io/dockerconfigjson') {
  const legacy = type === 'kubernetes.io/dockercfg';
  const config = JSON.stringify(legacy ? auths : { auths });
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace, uid: '5d3b7c1e-9a0f-4a8e-b1c2-0d9e8f7a6b5c', resourceVersion: '4711' },
    type,
    data: { [legacy ? '.dockercfg' : '.dockerconfigjson']: Buffer.from(config).toString('base64') },
  };
}

/** Puts `secret` where the stand-in for kubectl serves it from: SCENE_DIR/secrets/NAMESPACE/NAME.json. */
export async function writeSecretFixture(
  sceneDir: string,
  secret: { metadata: { name: string; namespace: string } },
): Promise<void> {
  const dir = join(sceneDir, 'secrets', secret.metadata.namespace);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, `${secret.metadata.name}.json`), JSON.stringify(secret), { mode: 0o600 });
}
