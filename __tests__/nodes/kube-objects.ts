/**
 * Kubernetes objects as `kubectl get ... -o json` prints them, for the scenes of the stand-in for kubectl
 * (__tests__/support/kubectl-stand-in/kubectl).
 */
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
