import * as core from '@actions/core';
import type { Command, NodeTrust, VerifyPull } from '../inputs.js';
import type { CleanupEntry } from '../state.js';
import { ActionError } from '../errors.js';
import type { RegistryAccess } from '../registry/index.js';
import { checkOnNodes, deleteProbePods, type NodeResult } from './cluster-check.js';
import { kubectlFor, type Kubectl, type KubeTarget } from './kubectl.js';
import { schedulableNodes } from './probe-pods.js';
import { credentialsPlan, readPullSecret, sourceLabel, sourceSentence, type CredentialsPlan } from './pull-secret.js';
import { checkFromNodeView, type NodeViewResult } from './registry-check.js';
import { pullTarget, type CheckedImage } from './targets.js';
import { ClusterCheckUnavailable } from './unavailable.js';
import { oneLine } from '../untrusted.js';
import { groupFindings } from '../findings.js';

export { classifyPullError, type PullClassification, type PullVerdict } from './classify.js';
export type { PullCause } from './remediation.js';
export type { CheckedImage } from './targets.js';
export type { KubeTarget } from './kubectl.js';
export { ClusterCheckUnavailable } from './unavailable.js';

/** One row of the `pull-check` output: an image on a node (cluster) or on a node platform (registry). */
export interface PullCheckResult {
  image: string;
  node?: string;
  ok: boolean;
  reason: string;
  remediation: string;
}

/** The `pull-check` output (see interface.md), and what the registry mode sent in place of what. */
export interface PullCheck {
  mode: 'registry' | 'cluster' | 'off';
  verdict: 'pullable' | 'not-pullable' | 'needs-credentials' | 'skipped';
  results: PullCheckResult[];
  /**
   * Registry mode: whose credentials it sent for each registry, one sentence each (the secret's, the login's standing
   * in for it and why, or none and why), for the log and the job summary; not part of the output.
   */
  credentials?: string[];
}

/** The `pull-check` output's JSON: mode, verdict and results, as interface.md has it. */
export function pullCheckOutput(check: PullCheck): string {
  return JSON.stringify({ mode: check.mode, verdict: check.verdict, results: check.results });
}

/** Everything the pull check needs from the inputs, the push and the converge. */
export interface CheckPullOptions {
  mode: VerifyPull;
  command: Command;
  nodeTrust: NodeTrust;
  images: CheckedImage[];
  /** how the runner reaches a registry (the node's access is derived from it) */
  access(host: string): RegistryAccess;
  caCert: string;
  imagePullSecret: string;
  kube?: KubeTarget;
  /** node platforms for the registry mode; default: the cluster's nodes when a kubeconfig is at hand, else linux/amd64 */
  platforms?: string[];
  timeoutMs?: number;
  pollMs?: number;
  signal?: AbortSignal;
  /** tests: a stand-in for kubectl */
  kubectl?: Kubectl;
}

/**
 * `auto` as interface.md says: `cluster` when the command is converge and a kubeconfig is available (a `kube`
 * target is given), else `registry`; any other mode as chosen.
 */
export function resolveMode(o: Pick<CheckPullOptions, 'mode' | 'command' | 'kube'>): PullCheck['mode'] {
  if (o.mode !== 'auto') return o.mode;
  return o.command === 'converge' && o.kube ? 'cluster' : 'registry';
}

/**
 * Answers "can the cluster's nodes pull what was pushed?" in the mode the user chose: over the registry API in a
 * node's place (`registry`) or with probe pods on every node (`cluster`), and returns the `pull-check` output. An
 * image with neither a digest nor a tag is not checked but gets a failed row that says so. When `auto` chose the
 * cluster check and it cannot run (no kubectl, RBAC, probe pods refused, no node: ClusterCheckUnavailable), the
 * registry mode answers instead, with one warning that says why and how to get the cluster check; an explicit
 * `cluster` fails with that error. A node's failed pull is an answer, never a reason to fall back.
 */
export async function checkPull(o: CheckPullOptions): Promise<PullCheck> {
  const mode = resolveMode(o);
  if (mode === 'off' || o.images.length === 0) return { mode, verdict: 'skipped', results: [] };
  if (mode === 'cluster' && !o.kube) {
    throw new ActionError('verify-pull: cluster needs a kubeconfig (kube-config-base64); use verify-pull: registry.');
  }
  const images = o.images.filter((i) => pullTarget(i).reference !== '');
  const unchecked = o.images.filter((i) => pullTarget(i).reference === '').map(uncheckable);
  if (images.length === 0) return summarize(mode, unchecked);
  let known: string[] | undefined;
  let noKubectl: string | undefined;
  if (mode === 'cluster' && o.kube) {
    const kubectl = o.kubectl ?? kubectlFor(o.kube);
    try {
      const found = await checkOnNodes({ ...o, images, kube: o.kube, kubectl });
      return summarize('cluster', [...found.map(fromNode), ...unchecked]);
    } catch (err) {
      if (!(err instanceof ClusterCheckUnavailable) || o.mode !== 'auto') throw err;
      core.warning(err.warning);
      // kubectl just failed: the node list's platforms if it was read, else the default; the secret is still asked
      // for (an account that may not list nodes may read it), unless kubectl could not be started at all.
      known = err.platforms ?? ['linux/amd64'];
      if (err.why === 'no-kubectl') noKubectl = 'kubectl could not be started';
    }
  }
  const platforms = o.platforms ?? known ?? (await clusterPlatforms(o)) ?? ['linux/amd64'];
  const plan = await pullCredentials(o, noKubectl);
  const found = await checkFromNodeView({ ...o, images, platforms, credentials: plan.forImage });
  const credentials = [...new Set(found.map((r) => sourceSentence(r.credentials, r.image.host)))];
  // Each sentence names the cluster's secret, its entries and kubectl's words: one plain line.
  for (const sentence of credentials) core.info(oneLine(`verify-pull: registry sent to ${sentence}`));
  warnAboutSecret(found);
  const check = summarize('registry', [...found.map((r) => fromNodeView(r, o.nodeTrust)), ...unchecked]);
  return o.imagePullSecret ? { ...check, credentials } : check;
}

/**
 * What the registry mode sends for each image: nothing without `image-pull-secret`; else the secret's credentials,
 * read with kubectl from the release's namespace when a kubeconfig is at hand, or the login's in its place (no
 * kubeconfig, or `kubectlFailed`).
 */
async function pullCredentials(o: CheckPullOptions, kubectlFailed?: string): Promise<CredentialsPlan> {
  const base = { imagePullSecret: o.imagePullSecret, kube: o.kube, access: o.access };
  if (!o.imagePullSecret) return credentialsPlan(base);
  if (!o.kube) {
    const why =
      o.command === 'build'
        ? 'command: build deploys nothing, so there is no kubeconfig to read it with'
        : 'there is no kubeconfig to read it with';
    return credentialsPlan({ ...base, noSecretWhy: why });
  }
  if (kubectlFailed) return credentialsPlan({ ...base, noSecretWhy: kubectlFailed });
  const state = await readPullSecret(o.kubectl ?? kubectlFor(o.kube), o.imagePullSecret, o.kube);
  if (state.state === 'unreadable') {
    core.warning(
      `verify-pull: registry could not read secret ${o.imagePullSecret} (${state.why}): the login's credentials stood in for it, so the check says nothing about the secret. For the check to use it, ${state.fix}.`,
    );
  }
  return credentialsPlan({ ...base, state });
}

// A secret a node cannot use, where the pull worked anyway (a registry that serves anonymous pulls): a warning with
// the fix, once per problem; where the pull failed, the failed row says it.
function warnAboutSecret(found: NodeViewResult[]): void {
  const said = new Set<string>();
  for (const r of found) {
    if (!r.ok || r.credentials.kind !== 'unusable') continue;
    const { reason, fix } = r.credentials.problem;
    const text = `verify-pull: ${reason}; the registry served ${r.image.host} without credentials. ${fix}`;
    if (!said.has(text)) core.warning(text);
    said.add(text);
  }
}

/** The platforms of the cluster's nodes, when a kubeconfig is at hand and kubectl answers; else undefined. */
async function clusterPlatforms(o: CheckPullOptions): Promise<string[] | undefined> {
  if (!o.kube) return undefined;
  const res = await (o.kubectl ?? kubectlFor(o.kube))(['get', 'nodes', '-o', 'json']);
  if (res.exitCode !== 0) return undefined;
  try {
    const platforms = [...new Set(schedulableNodes(JSON.parse(res.stdout)).map((n) => n.platform))];
    return platforms.length > 0 ? platforms : undefined;
  } catch {
    return undefined;
  }
}

type Row = PullCheckResult & { verdict: string };

// What was pulled, in the reason: the digest, or the tag and why the check went by it.
function pulled(image: CheckedImage): string {
  const t = pullTarget(image);
  return t.byTag ? `the tag ${t.reference} (checked by tag: werf reported no digest)` : t.reference;
}

// A failure's reason, with the tag named when the check went by it.
function failed(image: CheckedImage, reason: string): string {
  const t = pullTarget(image);
  return t.byTag ? `checked by tag ${t.reference} (werf reported no digest): ${reason}` : reason;
}

function uncheckable(image: CheckedImage): Row {
  return {
    image: image.name,
    ok: false,
    reason: `werf reported no digest and no tag for ${image.image || image.name}, so there is nothing to pull it by`,
    remediation:
      "Check werf's build report (DockerImageDigest, DockerTag) and the log of the build; a current werf reports both.",
    verdict: 'not-pullable',
  };
}

function fromNode(r: NodeResult): Row {
  const where = `${r.node.platform}${r.node.runtime ? `, ${r.node.runtime}` : ''}`;
  return {
    image: r.image.name,
    node: r.node.name,
    ok: r.ok,
    reason: r.failure ? failed(r.image, r.failure.reason) : `the node pulled ${pulled(r.image)} (${where})`,
    remediation: r.failure?.remediation ?? '',
    verdict: r.failure?.verdict ?? 'pullable',
  };
}

function fromNodeView(r: NodeViewResult, nodeTrust: NodeTrust): Row {
  const as = `${r.platform}, node-trust: ${nodeTrust}, ${sourceLabel(r.credentials)}`;
  if (r.failure) {
    return {
      image: r.image.name,
      ok: false,
      reason: `${failed(r.image, r.failure.reason)} (${as})`,
      remediation: r.failure.remediation,
      verdict: r.failure.verdict,
    };
  }
  const what = `manifest and blobs of ${pulled(r.image)}`;
  const sent = r.credentials;
  const how =
    sent.kind === 'secret'
      ? `${what} pulled as a node would, with the credentials of secret ${sent.secret}`
      : sent.kind === 'login'
        ? `${what} pulled with ${sent.loggedIn ? "the login's credentials" : 'no credentials'} in place of secret ${sent.secret}, which the check did not read: ${sent.why}`
        : sent.kind === 'unusable'
          ? `${what} pulled as a node would, without credentials: ${sent.problem.reason}`
          : `${what} pulled as a node would, without credentials`;
  return {
    image: r.image.name,
    ok: true,
    reason: `${how} (${as})`,
    remediation: sent.kind === 'unusable' ? sent.problem.fix : '',
    verdict: 'pullable',
  };
}

// A TLS or missing-manifest failure outranks a credentials one: credentials would not fix it.
function summarize(mode: 'registry' | 'cluster', rows: Row[]): PullCheck {
  const verdict = rows.some((r) => r.verdict === 'not-pullable')
    ? 'not-pullable'
    : rows.some((r) => r.verdict === 'needs-credentials')
      ? 'needs-credentials'
      : 'pullable';
  const results = rows.map(({ image, node, ok, reason, remediation }) => ({
    image,
    ...(node !== undefined ? { node } : {}),
    ok,
    reason,
    remediation,
  }));
  return { mode, verdict, results };
}

/** One line for the log or a failure when the nodes cannot pull; undefined when they can or the check was skipped. */
export function pullCheckProblem(check: PullCheck): string | undefined {
  if (check.verdict === 'pullable' || check.verdict === 'skipped') return undefined;
  const bad = check.results.filter((r) => !r.ok);
  const first = bad[0];
  const where = first?.node ? ` on node ${first.node}` : '';
  return `verify-pull: ${check.verdict}: ${bad.length} of ${check.results.length} checks failed; ${first?.image}${where}: ${first?.reason}`;
}

/**
 * The failed rows of a pull check as annotation texts (pure, src/findings.ts), identical findings grouped into one:
 * rows with the same fix, and in registry mode the same node view (platform, trust, credentials), are one text that
 * counts the images ("50 of 50 images (app, web, ... and 45 more) on nodes a, b: app on a: <its reason> <fix>").
 */
export function pullCheckFindings(check: PullCheck): string[] {
  const findings = check.results
    .filter((r) => !r.ok)
    .map((r) => {
      const view = check.mode === 'registry' ? (/\(([^()]*)\)$/.exec(r.reason)?.[1] ?? '') : '';
      return {
        image: r.image,
        ...(r.node !== undefined ? { node: r.node } : {}),
        key: `${view}\n${r.remediation}`,
        text: `${r.reason} ${r.remediation}`,
      };
    });
  return groupFindings(findings, new Set(check.results.map((r) => r.image)).size);
}

/**
 * The post step's clean-up of probe pods a main step left behind (a crash, a cancel between create and delete):
 * deletes the pods with the recorded label selector through the recorded kubeconfig; throws with kubectl's message
 * when kubectl fails, so the post step can warn.
 */
export async function deleteProbes(
  entry: Extract<CleanupEntry, { kind: 'delete-probes' }>,
  kubectlPath?: string,
): Promise<void> {
  const kubectl = kubectlFor({
    kubeconfigPath: entry.kubeconfigPath,
    context: entry.kubeContext,
    namespace: entry.namespace,
    kubectlPath,
  });
  if (!(await deleteProbePods(kubectl, entry.selector))) {
    throw new Error(
      `kubectl could not delete the pull probe pods (${entry.selector}) in ${entry.namespace || 'the default namespace'}`,
    );
  }
}
