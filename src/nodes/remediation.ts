import { hostName } from '../reference.js';
import { quote } from '../untrusted.js';
import { dockerServerFor, secretCommand } from './docker-config.js';
import type { CredentialSource } from './pull-secret.js';

/** A node's container runtime, read from the node's `containerRuntimeVersion` (`containerd://1.7.2`). */
export type NodeRuntime = 'containerd' | 'docker' | 'cri-o';

/** The runtime named in a node's `status.nodeInfo.containerRuntimeVersion`; undefined for one we do not know. */
export function runtimeOf(containerRuntimeVersion: string | undefined): NodeRuntime | undefined {
  const scheme = (containerRuntimeVersion ?? '').split('://')[0]?.toLowerCase();
  if (scheme === 'containerd') return 'containerd';
  if (scheme === 'docker') return 'docker';
  if (scheme === 'cri-o') return 'cri-o';
  return undefined;
}

/** What went wrong, named once so the reason and the fix are chosen from the same word. */
export type PullCause =
  | 'unknown-authority'
  | 'certificate-invalid'
  | 'http-registry'
  | 'https-registry'
  | 'unreachable'
  | 'unauthorized'
  | 'denied'
  | 'platform-missing'
  | 'blob-missing'
  | 'manifest-missing'
  | 'invalid-name'
  | 'unknown';

/** What the classifier knows about the node and the registry, to write the fix for them. */
export interface PullContext {
  /** registry host[:port] */
  host: string;
  /** the node's container runtime when known (cluster mode); undefined = give the fix for each runtime */
  runtime?: NodeRuntime;
  /** the node's platform, e.g. linux/arm64 */
  platform?: string;
  /** the `image-pull-secret` input ('' = anonymous pulls) */
  imagePullSecret: string;
  /** registry mode: what the check sent in the node's place (the reasons and fixes then say whose credentials) */
  sent?: CredentialSource;
}

type Fixes = Partial<Record<NodeRuntime | 'before' | 'after', string>>;

/** containerd's per-registry file: `config_path = "/etc/containerd/certs.d"` in the CRI plugin's registry section. */
function hostsToml(host: string, scheme: 'https' | 'http', extra: string): string {
  const dir = `/etc/containerd/certs.d/${host}`;
  const body = `server = "${scheme}://${host}"${extra ? `\n${extra.trim()}` : ''}\n[host."${scheme}://${host}"]\n  capabilities = ["pull", "resolve"]${extra ? `\n  ${extra.trim()}` : ''}`;
  return `containerd: ${dir}/hosts.toml (with config_path = "/etc/containerd/certs.d"):\n${body}`;
}

function fixesFor(cause: PullCause, ctx: PullContext): Fixes | string {
  const { host } = ctx;
  const caPath = `/etc/containerd/certs.d/${host}/ca.crt`;
  switch (cause) {
    case 'unknown-authority':
      return {
        containerd: hostsToml(host, 'https', `ca = "${caPath}"`),
        docker: `Docker: put the CA at /etc/docker/certs.d/${host}/ca.crt (no daemon restart needed).`,
        'cri-o': `CRI-O: put the CA at /etc/containers/certs.d/${host}/ca.crt.`,
        after:
          "Or add the CA to each node's system trust store (update-ca-certificates) and restart the runtime. Then set node-trust: ca-cert.",
      };
    case 'certificate-invalid':
      return {
        before: `Renew the registry's certificate so it is valid now and names ${hostName(host)} in its subjectAltName; or, as a last resort, let the nodes skip verification:`,
        containerd: hostsToml(host, 'https', 'skip_verify = true'),
        docker: `Docker: "insecure-registries": ["${host}"] in /etc/docker/daemon.json.`,
        'cri-o': `CRI-O: [[registry]] location = "${host}" insecure = true in /etc/containers/registries.conf.`,
      };
    case 'http-registry':
      return {
        containerd: hostsToml(host, 'http', ''),
        docker: `Docker: "insecure-registries": ["${host}"] in /etc/docker/daemon.json, then restart dockerd.`,
        'cri-o': `CRI-O: [[registry]] location = "${host}" insecure = true in /etc/containers/registries.conf.`,
        after: 'Then set node-trust: skip-verify. Better: serve the registry over HTTPS.',
      };
    case 'https-registry':
      return {
        containerd: hostsToml(host, 'https', ''),
        after: `The node is configured for plain HTTP to ${host}; point it at https:// instead.`,
      };
    case 'unauthorized':
    case 'denied':
      return credentialsFix(cause, ctx);
    case 'platform-missing':
      return `Build for the node's platform${ctx.platform ? ` (${ctx.platform})` : ''}: werf --platform (add it in args, e.g. --platform=linux/amd64,linux/arm64), or keep the pods off nodes of this platform with a nodeSelector on kubernetes.io/arch.`;
    case 'blob-missing':
      return "A layer is missing in the registry (an interrupted push or a garbage collection): run the build again so werf pushes the image anew, and check the registry's garbage-collection and retention settings.";
    case 'manifest-missing':
      return 'The image was deleted from the registry after the push (a retention policy, werf cleanup or garbage collection): run the build again, and keep the digest that is being deployed out of the clean-up.';
    case 'unreachable':
      return `Make ${host} reachable from the nodes (DNS, firewall, the nodes' HTTP proxy and NO_PROXY): the runner and the nodes may be on different networks.`;
    case 'invalid-name':
      return 'Check final-repo and repo: the image reference the pods get must be a valid reference.';
    case 'unknown':
      return "Read the message above; the node's runtime log (journalctl -u containerd / crio / docker) has the details.";
  }
}

// The fix for a registry that wants other credentials, by what was sent: the secret's entry, the login's in place of
// the secret, none because the secret is unusable, or none at all.
function credentialsFix(cause: 'unauthorized' | 'denied', ctx: PullContext): string {
  const { host, sent } = ctx;
  if (sent?.kind === 'unusable') return sent.problem.fix;
  if (sent?.kind === 'secret') {
    return cause === 'unauthorized'
      ? `Put credentials that may pull from ${host} into the entry ${quote(sent.entry)} of secret ${sent.secret}: ${secretCommand(sent.secret, sent.namespace, host, 'replace')}`
      : `Grant pull permission on the repository to the user in the entry ${quote(sent.entry)} of secret ${sent.secret} (a read-only robot account or token is enough), or put such an account's credentials into it: ${secretCommand(sent.secret, sent.namespace, host, 'replace')}`;
  }
  if (sent?.kind === 'login') {
    return `The registry refused the login's credentials, which stood in for secret "${sent.secret}" (${sent.why}): whether the secret's own would work is unknown. Check its .dockerconfigjson "auths" entry for ${host}; with a kubeconfig whose account may get the secret, the check uses it.`;
  }
  const secret = ctx.imagePullSecret;
  if (cause === 'denied') {
    return `Grant pull permission on the repository to the user${secret ? ` in the secret "${secret}"` : ''} (a read-only robot account or token is enough).`;
  }
  return secret
    ? `The credentials in the secret "${secret}" were refused: check its .dockerconfigjson "auths" entry for ${host}, and that the secret is in the namespace of the pods.`
    : `Give the pods credentials: kubectl create secret docker-registry NAME --docker-server=${dockerServerFor(host)} ... (or werf converge --set-docker-config-json-value, which puts the login into .Values.global.werf.dockerconfigjson for a chart's Secret), list it in the pods' imagePullSecrets and set image-pull-secret: NAME.`;
}

/**
 * The fix for a pull failure, written for the node's runtime when it is known, and for containerd, Docker and
 * CRI-O in turn otherwise (the registry check does not know which runtime the nodes run).
 */
export function remediationFor(cause: PullCause, ctx: PullContext): string {
  const fixes = fixesFor(cause, ctx);
  if (typeof fixes === 'string') return fixes;
  const runtimes: NodeRuntime[] = ctx.runtime ? [ctx.runtime] : ['containerd', 'docker', 'cri-o'];
  const parts = [fixes.before, ...runtimes.map((r) => fixes[r]), fixes.after];
  return parts.filter((s): s is string => Boolean(s)).join('\n');
}
