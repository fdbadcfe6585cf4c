import { parseRepository } from '../reference.js';
import { oneLine, quote } from '../untrusted.js';

/** A failure found in werf's output: an annotation title, what happened (one sentence) and what to do about it. */
export interface Finding {
  title: string;
  message: string;
  fix: string;
  /** the registry host[:port] it concerns, when the output names it */
  registry?: string;
  /** who met the failure: the Docker daemon pushing stages, werf's own registry client, buildah, or the cluster nodes */
  who?: 'daemon' | 'werf' | 'buildah' | 'nodes';
}

// Lines about a pod's image pull on a node (kubelet events as werf's deploy tracker shows them).
const NODE_PULL_RE =
  /ErrImagePull|ImagePullBackOff|Failed to pull image|failed to pull and unpack image|Back-off pulling image/;
const X509_RE = /x509: [^"\n]*/;
const PLAIN_HTTP_RE = /server gave HTTP response to HTTPS client/;
const UNAUTHORIZED_RE =
  /\b401\b|unauthorized|authentication required|no basic auth credentials|invalid username\/password/i;
const FORBIDDEN_RE = /\b403\b|denied|forbidden|insufficient_scope/i;
const INVALID_ADDRESS_RE = /invalid repository address "([^"]*)"/;

/**
 * Reads werf's output (stdout and stderr) for the failures users meet and turns each into a finding with its fix:
 * untrusted registry certificates (and whether the Docker daemon or werf itself met them), a plain-HTTP registry
 * spoken to over HTTPS, 401/403 from a registry, an invalid repository address, and image pulls failing on the nodes
 * during the deploy. Pure; the most basic cause comes first, each (kind, registry) once.
 */
export function diagnose(output: string): Finding[] {
  const findings: Array<Finding & { rank: number; key: string }> = [];
  const add = (rank: number, finding: Finding) => {
    const key = `${finding.title}|${finding.registry ?? ''}|${finding.who ?? ''}`;
    if (!findings.some((f) => f.key === key)) findings.push({ ...finding, rank, key });
  };
  for (const line of output.split(/\r?\n/)) {
    const address = INVALID_ADDRESS_RE.exec(line);
    if (address)
      add(0, invalidAddress(address[1] as string, /final stages storage/.test(line) ? 'final-repo' : 'repo'));
    else if (NODE_PULL_RE.test(line)) add(4, nodePull(line));
    else if (X509_RE.test(line)) add(1, untrustedCertificate(line));
    else if (PLAIN_HTTP_RE.test(line)) add(2, plainHttp(line));
    else if (isRegistryAuthFailure(line)) add(3, authFailure(line));
  }
  return findings.sort((a, b) => a.rank - b.rank).map(({ rank: _rank, key: _key, ...finding }) => finding);
}

function invalidAddress(address: string, inputName: 'repo' | 'final-repo'): Finding {
  let fix = `Set ${inputName} to a repository name only, without a tag, digest or scheme.`;
  try {
    parseRepository(address, inputName);
  } catch (err) {
    fix = `${(err as Error).message}.`;
  }
  return {
    title: 'Invalid repository address',
    message: `werf rejected the repository address ${quote(address)}.`,
    fix,
  };
}

function untrustedCertificate(line: string): Finding {
  const registry = registryOf(line);
  const who = whoPushed(line);
  const cause = (X509_RE.exec(line)?.[0] ?? '').trim();
  const where = registry ?? 'the registry';
  const fix =
    who === 'daemon'
      ? `Set ca-cert to the CA that signed ${where}'s certificate: the Docker daemon pushes the stages and trusts /etc/docker/certs.d/${registry ?? '<host:port>'}/ca.crt, not werf's flags (skip-tls-verify does not reach the daemon); or, to skip verification there too, add ${registry ?? 'the registry'} to insecure-registries in the daemon's /etc/docker/daemon.json and restart it.`
      : who === 'buildah'
        ? `Set ca-cert to the CA that signed ${where}'s certificate (buildah reads /etc/containers/certs.d/${registry ?? '<host:port>'}/, not werf's flags), or mark it insecure in /etc/containers/registries.conf.`
        : `Set ca-cert to the CA that signed ${where}'s certificate (werf's own registry client trusts SSL_CERT_FILE/SSL_CERT_DIR), or skip-tls-verify: true for --skip-tls-verify-registry.`;
  const pusher = { daemon: 'the Docker daemon', buildah: 'buildah', werf: 'werf itself' }[who];
  return {
    title: 'Registry certificate not trusted',
    message: `${pusher} could not verify the TLS certificate of ${where} (${oneLine(cause)}).`,
    fix,
    ...(registry ? { registry } : {}),
    who,
  };
}

function plainHttp(line: string): Finding {
  const registry = registryOf(line);
  const who = whoPushed(line);
  return {
    title: 'Registry speaks plain HTTP',
    message: `${registry ?? 'The registry'} answered HTTPS with plain HTTP (server gave HTTP response to HTTPS client).`,
    fix:
      who === 'daemon'
        ? `Set insecure-registry: true; the Docker daemon also needs ${registry ?? 'the registry'} in insecure-registries of /etc/docker/daemon.json.`
        : 'Set insecure-registry: true (werf --insecure-registry), or serve the registry over HTTPS.',
    ...(registry ? { registry } : {}),
    who,
  };
}

function authFailure(line: string): Finding {
  const registry = registryOf(line);
  const repository = repositoryOf(line);
  const forbidden = FORBIDDEN_RE.test(line) && !/\b401\b|unauthorized/i.test(line);
  const target = repository ?? registry ?? 'the registry';
  return forbidden
    ? {
        title: 'Registry denied access',
        message: `${target} refused the logged-in user (403 / denied).`,
        fix: `Give that user push and pull rights on ${target}, or use credentials that have them (username/password or the registries entry for ${registry ?? 'it'}).`,
        ...(registry ? { registry } : {}),
      }
    : {
        title: 'Registry credentials missing or wrong',
        message: `${target} answered 401 Unauthorized.`,
        fix: `Set username and password (or a registries entry) for ${registry ?? 'the registry'}, with a token that may push to ${target}.`,
        ...(registry ? { registry } : {}),
      };
}

function nodePull(line: string): Finding {
  const image = /image "([^"]+)"/.exec(line)?.[1];
  const registry = registryOf(line) ?? (image ? hostOfImage(image) : undefined);
  const what = image ? quote(image) : 'an image';
  const base = { title: 'Nodes cannot pull the image', ...(registry ? { registry } : {}), who: 'nodes' as const };
  if (X509_RE.test(line)) {
    return {
      ...base,
      message: `The cluster nodes do not trust ${registry ?? 'the registry'}'s certificate and could not pull ${what}.`,
      fix: `Install the registry's CA on the nodes (containerd: /etc/containerd/certs.d/${registry ?? '<host:port>'}/hosts.toml with ca = ...) and set node-trust: ca-cert, or node-trust: skip-verify with skip_verify = true there.`,
    };
  }
  if (PLAIN_HTTP_RE.test(line)) {
    return {
      ...base,
      message: `The nodes talk HTTPS to ${registry ?? 'the registry'}, which speaks plain HTTP, and could not pull ${what}.`,
      fix: `Configure the nodes' runtime for a plain-HTTP registry (containerd hosts.toml [host."http://${registry ?? 'host:port'}"]) and set node-trust: skip-verify.`,
    };
  }
  if (UNAUTHORIZED_RE.test(line) || FORBIDDEN_RE.test(line) || /pull access denied|authorization failed/i.test(line)) {
    return {
      ...base,
      message: `The nodes pulled ${what} without credentials the registry accepts.`,
      fix: 'Give the pods an imagePullSecret: add `--set-docker-config-json-value` to args (werf puts the docker config into .Values.global.werf.dockerconfigjson), create a kubernetes.io/dockerconfigjson Secret from it in the chart and name it in imagePullSecrets; set image-pull-secret to its name.',
    };
  }
  return {
    ...base,
    message: `A pod could not pull ${what} (ErrImagePull/ImagePullBackOff).`,
    fix: 'Check that the nodes reach the registry, trust its certificate (node-trust) and have credentials for it (image-pull-secret); the pull-check output tells which.',
  };
}

function isRegistryAuthFailure(line: string): boolean {
  // Only lines about a registry: a /v2/ URL, a quoted image, or docker's own wording.
  const aboutRegistry = /\/v2\/|daemon|repositor|registry|\bimage\b|\bpush|\bpull|\brepo\b/i.test(line);
  return aboutRegistry && (UNAUTHORIZED_RE.test(line) || /\b403\b|denied:|DENIED|insufficient_scope/.test(line));
}

function whoPushed(line: string): 'daemon' | 'werf' | 'buildah' {
  // With the Docker backend the daemon pushes the stages; werf's client reads manifests and copies to final-repo.
  if (/Error response from daemon|unable to push image|failed to push|push refers to repository/i.test(line))
    return 'daemon';
  if (/pinging container registry|trying to reuse blob|containers\/image/.test(line)) return 'buildah';
  return 'werf';
}

/** host[:port] from the first URL in the line, else from the first quoted image reference. */
function registryOf(line: string): string | undefined {
  // werf's output is not ours: what is taken from it goes into our sentences as one plain line.
  const url = /https?:\/\/([^/"\s]+)/.exec(line)?.[1];
  if (url) return oneLine(url);
  const quoted = /"([^"\s]+\/[^"\s]+)"/.exec(line)?.[1];
  const host = quoted ? hostOfImage(quoted) : undefined;
  if (host) return oneLine(host);
  // An unquoted reference such as `unable to push image 127.0.0.1:5443/app:tag: ...`.
  return /(?:^|[\s[(])((?:[a-z0-9-]+\.)+[a-z0-9-]+(?::\d+)?|localhost(?::\d+)?|\[[0-9a-f:]+\](?::\d+)?)\/[a-z0-9]/i.exec(
    line,
  )?.[1];
}

/** host/repository from a /v2/<repo>/(manifests|blobs|tags) URL in the line. */
function repositoryOf(line: string): string | undefined {
  const m = /https?:\/\/([^/"\s]+)\/v2\/(.+?)\/(?:manifests|blobs|tags)\//.exec(line);
  return m ? oneLine(`${m[1]}/${m[2]}`) : undefined;
}

function hostOfImage(image: string): string | undefined {
  const first = image.split('/')[0] as string;
  return image.includes('/') && (/[.:]/.test(first) || first === 'localhost') ? first : undefined;
}
