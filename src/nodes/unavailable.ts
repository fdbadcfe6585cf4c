import { firstLine, type ProgramResult } from '../child-process.js';
import { ActionError } from '../errors.js';
import type { KubeTarget } from './kubectl.js';
import { PROBE_LABEL } from './probe-pods.js';
import { oneLine, quote } from '../untrusted.js';

/** A kubectl step of the cluster check, named by the permission it needs. */
export type ClusterStep = 'list nodes' | 'create pods' | 'list pods' | 'list events';

/** Why the cluster check could not run at all (as opposed to a node's answer about a pull). */
export type UnavailableWhy = 'no-kubectl' | 'forbidden' | 'refused' | 'no-nodes';

/**
 * The cluster check could not run: kubectl is missing, the deploy account may not do a step, an admission policy
 * refused the probe pods, or no node can take one. With `verify-pull: cluster` it is the job's failure (`message`:
 * what is missing, how to get it, or verify-pull: registry); with `auto` the pull check falls back to the registry
 * mode and `warning` says why. `platforms` are the nodes' platforms when kubectl could list them.
 */
export class ClusterCheckUnavailable extends ActionError {
  readonly why: UnavailableWhy;
  readonly warning: string;
  readonly platforms?: string[];

  constructor(o: { why: UnavailableWhy; problem: string; fix: string; details?: string; platforms?: string[] }) {
    super(`verify-pull: cluster ${o.problem}; ${o.fix}, or use verify-pull: registry.`, { details: o.details });
    this.name = 'ClusterCheckUnavailable';
    this.why = o.why;
    this.platforms = o.platforms;
    this.warning =
      `verify-pull: auto checked the images over the registry API (registry mode) instead of with probe pods: ` +
      `the cluster check ${o.problem}. For the cluster check, ${o.fix}; or set verify-pull: registry to silence this warning.`;
  }
}

// What the cluster check needs of the deploy account, in RBAC terms.
function rbac(kube: KubeTarget): string {
  const ns = kube.namespace ? `the namespace ${quote(kube.namespace)}` : 'the deploy namespace';
  return `list on nodes (a ClusterRole) and create, get, list, delete on pods and list on events in ${ns} (a Role)`;
}

// The account kubectl's Forbidden answer names (`User "system:serviceaccount:ci:deployer" cannot list ...`).
function account(stderr: string): string {
  const user = /User "([^"]+)"/.exec(stderr)?.[1];
  return user ? `the account ${quote(user)}` : 'the deploy account';
}

// RBAC says `cannot <verb> resource "<resource>"`; an admission webhook or Pod Security says something else.
const RBAC_DENIED = /cannot [a-z]+ resource "/;

/**
 * Reads a failed kubectl step: a ClusterCheckUnavailable when the check cannot run (kubectl could not be started -
 * kubectlFor's exit code 127 -, RBAC forbids the step, or the API server refused the probe pods), else undefined (a
 * connection error, a timeout... stay ordinary failures). `platforms`: what the node list said, if it was read.
 */
export function unavailableFrom(
  step: ClusterStep,
  res: ProgramResult,
  kube: KubeTarget,
  platforms?: string[],
): ClusterCheckUnavailable | undefined {
  const said = oneLine(firstLine(res.stderr));
  const details = res.stderr;
  if (res.exitCode === 127) {
    return new ClusterCheckUnavailable({
      why: 'no-kubectl',
      problem: `could not start kubectl (${said})`,
      fix: 'install kubectl on the runner (for example with azure/setup-kubectl)',
      details,
    });
  }
  if (/\(Forbidden\)|\bis forbidden\b/.test(res.stderr) && (RBAC_DENIED.test(res.stderr) || step !== 'create pods')) {
    const who = account(res.stderr);
    return new ClusterCheckUnavailable({
      why: 'forbidden',
      problem: `may not ${step} (Forbidden for ${who})`,
      fix: `grant ${who} ${rbac(kube)}`,
      details,
      platforms,
    });
  }
  // The API server answered the create with a no: an admission webhook (a policy engine), Pod Security, a quota.
  if (step === 'create pods' && /Error from server/.test(res.stderr)) {
    const ns = kube.namespace ? ` in the namespace ${quote(kube.namespace)}` : '';
    return new ClusterCheckUnavailable({
      why: 'refused',
      // All of it on one line: a policy engine names the policy below its first line.
      problem: `could not create its probe pods${ns}: ${oneLine(
        clip(
          res.stderr
            .trim()
            .split(/\s*\n\s*/)
            .join(' '),
        ),
      )}`,
      fix:
        `let ${kube.namespace ? 'that' : 'the deploy'} namespace admit the pull-only probe pods (label ${PROBE_LABEL}; they meet Pod Security ` +
        `"restricted" and request 1m CPU and 4Mi memory each)`,
      details,
      platforms,
    });
  }
  return undefined;
}

/** The cluster has no Ready, uncordoned node to put a probe pod on. */
export function noSchedulableNode(): ClusterCheckUnavailable {
  return new ClusterCheckUnavailable({
    why: 'no-nodes',
    problem: 'found no Ready, schedulable node to put a probe pod on',
    fix: 'make sure `kubectl get nodes` lists a Ready node that is not cordoned',
  });
}

// An admission webhook's answer can run long; the whole text is in the details.
function clip(text: string): string {
  return text.length > 400 ? `${text.slice(0, 400)}…` : text;
}
