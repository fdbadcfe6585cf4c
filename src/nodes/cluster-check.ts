import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { firstLine } from '../child-process.js';
import { ActionError } from '../errors.js';
import { oneLine } from '../untrusted.js';
import { recordCleanup, type CleanupEntry } from '../state.js';
import { classifyPullError, type PullClassification } from './classify.js';
import { kubectlFor, type Kubectl, type KubeTarget } from './kubectl.js';
import { PROBE_LABEL, probePod, schedulableNodes, type ClusterNode } from './probe-pods.js';
import { probeOutcomes, type ProbeOutcome } from './probe-status.js';
import { pullTarget, type CheckedImage } from './targets.js';
import { noSchedulableNode, unavailableFrom, type ClusterStep } from './unavailable.js';

/** The answer for one image on one node. */
export interface NodeResult {
  image: CheckedImage;
  node: ClusterNode;
  ok: boolean;
  /** undefined when ok */
  failure?: PullClassification;
}

/** Options of the cluster check; the defaults suit a job (3 minutes, a poll every 2 s). */
export interface ClusterCheckOptions {
  images: CheckedImage[];
  kube: KubeTarget;
  imagePullSecret: string;
  timeoutMs?: number;
  pollMs?: number;
  signal?: AbortSignal;
  /** tests: a kubectl of their own; default: the kubectl binary */
  kubectl?: Kubectl;
  /** default: recordCleanup from src/state.ts */
  record?: (entry: CleanupEntry) => void;
}

/**
 * `verify-pull: cluster`: starts one probe pod per schedulable node at once (each pulls every image by digest, or
 * by tag when werf reported no digest, with `imagePullPolicy: Always`), polls until each node pulled or failed each
 * image, reads the kubelet's message with the classifier, and deletes the probes in every case (done, failed, timed
 * out, cancelled). A `delete-probes` clean-up entry is recorded before the pods exist, so the post step removes
 * leftovers by label. Throws ClusterCheckUnavailable when the check cannot run (no kubectl, a step the account may
 * not do, probe pods refused, no node to probe), after deleting whatever it created.
 */
export async function checkOnNodes(o: ClusterCheckOptions): Promise<NodeResult[]> {
  const kubectl = o.kubectl ?? kubectlFor(o.kube);
  const timeoutMs = o.timeoutMs ?? 180_000;
  const nodes = schedulableNodes(await kubectlJson(kubectl, o.kube, 'list nodes', ['get', 'nodes', '-o', 'json']));
  if (nodes.length === 0) throw noSchedulableNode();
  // Known from here on: a fallback to the registry mode checks for these platforms.
  const platforms = [...new Set(nodes.map((n) => n.platform))];
  const step = (s: ClusterStep, args: string[]) => kubectlJson(kubectl, o.kube, s, args, platforms);
  const runId = randomBytes(4).toString('hex');
  const selector = `${PROBE_LABEL}=${runId}`;
  const refs = o.images.map((i) => ({ name: i.name, ref: pullTarget(i).ref }));
  const pods = nodes.map((node, index) =>
    probePod({
      runId,
      index,
      node,
      images: refs,
      imagePullSecret: o.imagePullSecret,
      deadlineSeconds: Math.ceil(timeoutMs / 1000) + 60,
    }),
  );
  (o.record ?? recordCleanup)({
    kind: 'delete-probes',
    kubeconfigPath: o.kube.kubeconfigPath,
    kubeContext: o.kube.context,
    namespace: o.kube.namespace,
    selector,
  });
  try {
    const created = await kubectl(
      ['create', '-f', '-', '-o', 'name'],
      JSON.stringify({ apiVersion: 'v1', kind: 'List', items: pods }),
    );
    if (created.exitCode !== 0) {
      throw (
        unavailableFrom('create pods', created, o.kube, platforms) ??
        new ActionError(`Could not start the pull probe pods: ${oneLine(firstLine(created.stderr))}`, {
          details: created.stderr,
        })
      );
    }
    const outcomes = await watchProbes(step, selector, nodes, refs.length, timeoutMs, o.pollMs ?? 2000, o.signal);
    return nodes.flatMap((node, n) =>
      o.images.map((image, i) =>
        result(image, node, outcomes[n]?.[i] ?? { state: 'waiting' }, timeoutMs, o.imagePullSecret),
      ),
    );
  } finally {
    await deleteProbePods(kubectl, selector);
  }
}

/** Deletes this run's probe pods by label without waiting for them to go; a failure is left to the post step. */
export async function deleteProbePods(kubectl: Kubectl, selector: string): Promise<boolean> {
  const res = await kubectl(['delete', 'pods', '-l', selector, '--ignore-not-found', '--wait=false']);
  return res.exitCode === 0;
}

async function watchProbes(
  step: (s: ClusterStep, args: string[]) => Promise<unknown>,
  selector: string,
  nodes: ClusterNode[],
  imageCount: number,
  timeoutMs: number,
  pollMs: number,
  signal?: AbortSignal,
): Promise<ProbeOutcome[][]> {
  const deadline = Date.now() + timeoutMs;
  let outcomes: ProbeOutcome[][] = nodes.map(() =>
    Array.from({ length: imageCount }, () => ({ state: 'waiting' as const })),
  );
  for (;;) {
    signal?.throwIfAborted();
    const list = (await step('list pods', ['get', 'pods', '-l', selector, '-o', 'json'])) as {
      items?: Array<{ metadata?: { name?: string }; spec?: { nodeName?: string } }>;
    };
    // Events only when a pull failed: the kubelet's Failed event has the cause when the pod only says "Back-off".
    const pods = nodes.map((node) => list.items?.find((p) => p.spec?.nodeName === node.name));
    outcomes = pods.map((pod) => probeOutcomes(pod, imageCount, []));
    if (outcomes.flat().some((x) => x.state === 'failed')) {
      const events = (await step('list events', [
        'get',
        'events',
        '-o',
        'json',
        '--field-selector=involvedObject.kind=Pod',
      ])) as { items?: unknown[] };
      outcomes = pods.map((pod) => probeOutcomes(pod, imageCount, events.items ?? []));
    }
    if (outcomes.flat().every((x) => x.state !== 'waiting') || Date.now() >= deadline) return outcomes;
    await sleep(Math.min(pollMs, Math.max(0, deadline - Date.now())), undefined, { signal });
  }
}

function result(
  image: CheckedImage,
  node: ClusterNode,
  outcome: ProbeOutcome,
  timeoutMs: number,
  imagePullSecret: string,
): NodeResult {
  if (outcome.state === 'pulled') return { image, node, ok: true };
  const ctx = { host: image.host, runtime: node.runtime, platform: node.platform, imagePullSecret };
  if (outcome.state === 'failed') return { image, node, ok: false, failure: classifyPullError(outcome.message, ctx) };
  const seconds = Math.round(timeoutMs / 1000);
  return {
    image,
    node,
    ok: false,
    failure: {
      verdict: 'not-pullable',
      cause: 'unknown',
      reason: `the node had neither pulled nor failed to pull the image after ${seconds} s`,
      remediation: `Look at the node's kubelet and runtime logs; a large image may need longer than ${seconds} s.`,
    },
  };
}

// One read step: its JSON, or why the check cannot run (ClusterCheckUnavailable), or kubectl's own failure.
async function kubectlJson(
  kubectl: Kubectl,
  kube: KubeTarget,
  step: ClusterStep,
  args: string[],
  platforms?: string[],
): Promise<unknown> {
  const res = await kubectl(args);
  if (res.exitCode !== 0) {
    throw (
      unavailableFrom(step, res, kube, platforms) ??
      new ActionError(`verify-pull: cluster could not ${step} with kubectl: ${oneLine(firstLine(res.stderr))}`, {
        details: res.stderr,
      })
    );
  }
  try {
    return JSON.parse(res.stdout);
  } catch {
    throw new ActionError(`verify-pull: cluster could not ${step}: kubectl printed no JSON.`, {
      details: res.stdout.slice(0, 2000),
    });
  }
}
