import { runtimeOf, type NodeRuntime } from './remediation.js';

/** A node a probe pod goes to: its name, platform (`linux/amd64`) and container runtime. */
export interface ClusterNode {
  name: string;
  platform: string;
  runtime?: NodeRuntime;
}

/** One image to probe: the werf image name and the reference by digest (`host/repo@sha256:…`), or by tag. */
export interface ProbeImage {
  name: string;
  ref: string;
}

/** Label on every probe pod; its value is the run's id, so the post step deletes exactly this run's leftovers. */
export const PROBE_LABEL = 'werf-ship-action/pull-probe';

// The probe must pull, never run the user's program (it could migrate a database): a command that does not exist
// makes the container fail right after the pull, which is the moment we want anyway.
const NOT_A_COMMAND = ['/werf-ship-action-pull-probe/not-a-command'];

// Pod Security `restricted` admits only such pods; as the command never runs, no image needs a writable root or a
// user of its own (65534 is "nobody").
const POD_SECURITY = { runAsNonRoot: true, runAsUser: 65534, seccompProfile: { type: 'RuntimeDefault' } };
const CONTAINER_SECURITY = {
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
  readOnlyRootFilesystem: true,
};

interface KubeNode {
  metadata?: { name?: string; labels?: Record<string, string> };
  spec?: { unschedulable?: boolean };
  status?: {
    conditions?: Array<{ type?: string; status?: string }>;
    nodeInfo?: { operatingSystem?: string; architecture?: string; containerRuntimeVersion?: string };
  };
}

/**
 * The nodes pods can be scheduled on, from `kubectl get nodes -o json`: not cordoned (`spec.unschedulable`) and
 * Ready. Tainted nodes stay in: the probe tolerates every taint, and workloads with tolerations land there too.
 */
export function schedulableNodes(nodeList: unknown): ClusterNode[] {
  const items = ((nodeList as { items?: KubeNode[] } | null)?.items ?? []) as KubeNode[];
  return items
    .filter((n) => !n.spec?.unschedulable)
    .filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false)
    .map((n) => {
      const labels = n.metadata?.labels ?? {};
      const os = n.status?.nodeInfo?.operatingSystem || labels['kubernetes.io/os'] || 'linux';
      const arch = n.status?.nodeInfo?.architecture || labels['kubernetes.io/arch'] || 'amd64';
      return {
        name: n.metadata?.name ?? '',
        platform: `${os}/${arch}`,
        runtime: runtimeOf(n.status?.nodeInfo?.containerRuntimeVersion),
      };
    })
    .filter((n) => n.name !== '');
}

/** Probe pod name for a node: short, DNS-1123, unique per run. */
function probePodName(runId: string, index: number): string {
  return `werf-pull-probe-${runId}-${index}`;
}

/**
 * The probe pod for one node as a Kubernetes object: pinned with `nodeName` (no scheduler, no affinity surprises),
 * one container per image by digest (or tag) with `imagePullPolicy: Always` (a cached image proves nothing), every
 * taint tolerated, tiny resources, no service account token, a security context that Pod Security `restricted`
 * admits, a deadline, the run's label and the `image-pull-secret`.
 */
export function probePod(o: {
  runId: string;
  index: number;
  node: ClusterNode;
  images: ProbeImage[];
  imagePullSecret: string;
  deadlineSeconds: number;
}): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: probePodName(o.runId, o.index),
      labels: { [PROBE_LABEL]: o.runId, 'app.kubernetes.io/managed-by': 'werf-ship-action' },
      annotations: { 'werf-ship-action/node': o.node.name },
    },
    spec: {
      nodeName: o.node.name,
      restartPolicy: 'Never',
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      activeDeadlineSeconds: o.deadlineSeconds,
      terminationGracePeriodSeconds: 0,
      tolerations: [{ operator: 'Exists' }],
      securityContext: POD_SECURITY,
      ...(o.imagePullSecret ? { imagePullSecrets: [{ name: o.imagePullSecret }] } : {}),
      containers: o.images.map((image, i) => ({
        name: `image-${i}`,
        image: image.ref,
        imagePullPolicy: 'Always',
        command: NOT_A_COMMAND,
        securityContext: CONTAINER_SECURITY,
        resources: {
          requests: { cpu: '1m', memory: '4Mi' },
          limits: { cpu: '10m', memory: '16Mi' },
        },
      })),
    },
  };
}
