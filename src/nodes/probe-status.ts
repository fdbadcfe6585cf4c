/** Where one image's pull stands on one node, as read from the probe pod and its events. */
export type ProbeOutcome = { state: 'waiting' } | { state: 'pulled' } | { state: 'failed'; message: string };

interface ContainerStatus {
  name?: string;
  imageID?: string;
  state?: {
    waiting?: { reason?: string; message?: string };
    running?: object;
    terminated?: { reason?: string; message?: string };
  };
}
interface KubePod {
  metadata?: { name?: string };
  status?: { phase?: string; reason?: string; message?: string; containerStatuses?: ContainerStatus[] };
}
interface KubeEvent {
  involvedObject?: { kind?: string; name?: string; fieldPath?: string };
  reason?: string;
  message?: string;
  lastTimestamp?: string;
  eventTime?: string;
}

// Waiting reasons the kubelet gives after the image is on the node: creating or starting the container failed,
// which for the probe (its command does not exist) is expected and means the pull worked.
const AFTER_PULL = new Set([
  'CreateContainerError',
  'CreateContainerConfigError',
  'RunContainerError',
  'StartError',
  'ContainerCannotRun',
  'CrashLoopBackOff',
]);
// Waiting reasons that mean the pull itself failed.
const PULL_FAILED = new Set([
  'ErrImagePull',
  'ImagePullBackOff',
  'InvalidImageName',
  'ErrImageNeverPull',
  'RegistryUnavailable',
  'SignatureValidationFailed',
]);

/**
 * The outcome for each container (`image-<i>`, in order) of a probe pod, from the pod object (`kubectl get pods -o
 * json`) and the cluster's events. A back-off message ("Back-off pulling image") says nothing of the cause, so the
 * kubelet's `Failed` event for the container ("Failed to pull image ...: rpc error: ...") is preferred when there is one.
 */
export function probeOutcomes(pod: unknown, containerCount: number, events: unknown[]): ProbeOutcome[] {
  const p = (pod ?? {}) as KubePod;
  const statuses = p.status?.containerStatuses ?? [];
  const podName = p.metadata?.name ?? '';
  const outcomes: ProbeOutcome[] = [];
  for (let i = 0; i < containerCount; i++) {
    const name = `image-${i}`;
    const status = statuses.find((s) => s.name === name);
    const failedEvent = lastFailedPull(events as KubeEvent[], podName, name);
    const waiting = status?.state?.waiting;
    if (status?.state?.running || status?.state?.terminated || (status?.imageID ?? '') !== '') {
      outcomes.push({ state: 'pulled' });
    } else if (waiting?.reason && AFTER_PULL.has(waiting.reason)) {
      outcomes.push({ state: 'pulled' });
    } else if (waiting?.reason && PULL_FAILED.has(waiting.reason)) {
      const own = waiting.message ?? '';
      const message = failedEvent && (waiting.reason === 'ImagePullBackOff' || !own) ? failedEvent : own;
      outcomes.push({ state: 'failed', message: `${waiting.reason}: ${message || 'no message from the kubelet'}` });
    } else if (p.status?.phase === 'Failed') {
      // The pod ended before this container pulled: deadline exceeded, or the kubelet rejected the pod.
      const why = [p.status.reason, p.status.message].filter(Boolean).join(': ') || 'the probe pod failed';
      outcomes.push({ state: 'failed', message: failedEvent ?? why });
    } else {
      outcomes.push({ state: 'waiting' });
    }
  }
  return outcomes;
}

function lastFailedPull(events: KubeEvent[], podName: string, container: string): string | undefined {
  const mine = events.filter(
    (e) =>
      e.involvedObject?.name === podName &&
      e.reason === 'Failed' &&
      (e.involvedObject.fieldPath ?? '').includes(`{${container}}`) &&
      /^Failed to pull image/.test(e.message ?? ''),
  );
  mine.sort((a, b) => (a.lastTimestamp ?? a.eventTime ?? '').localeCompare(b.lastTimestamp ?? b.eventTime ?? ''));
  return mine.at(-1)?.message;
}
