import { parseRepository } from '../reference.js';
import { oneLine, quote } from '../untrusted.js';
import type { Backend, WerfTlsFlags } from '../trust/plan.js';

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
// werf's container backend (the Docker daemon or Buildah) failing a push: `unable to push image "<ref>"`, quoted;
// werf's own client says `unable to push image <ref>:` unquoted (werf's source, see docs/werf-contract.md).
const BACKEND_PUSH_RE = /unable to push image "[^"]+"/;
const UNQUOTED_PUSH_RE = /unable to push image ([^"\s]+):/;
// docker's own lines (the CLI werf embeds, the Engine API).
const DOCKER_WORDS_RE = /Error response from daemon|The push refers to repository/;
const BUILDAH_WORDS_RE = /pinging container registry|containers\/image/;

/** The TLS inputs the action applied to one registry (host[:port]). */
export interface RegistryTlsSettings {
  caCert: boolean;
  skipTlsVerify: boolean;
  insecureRegistry: boolean;
}

/**
 * What the action knows when werf fails, to decide who met a TLS or plain-HTTP error and which fix is left: the
 * backend (Docker daemon or Buildah, from WERF_BUILDAH_MODE), werf's own TLS flags, the TLS inputs of each registry,
 * and what the daemon check learned (undefined when it did not ask the daemon).
 */
export interface WhatTheActionKnows {
  backend: Backend;
  werfFlags: WerfTlsFlags;
  /** the TLS inputs for a registry, undefined for one the inputs do not name */
  registry(host: string): RegistryTlsSettings | undefined;
  /** the daemon check: 'checked' (it was asked), or why it was not */
  daemon: 'checked' | 'off' | 'unreachable' | 'not-asked';
}

/** Knows nothing: the Docker backend, no flags, no registry settings (for a reading of werf's text alone). */
export const KNOWS_NOTHING: WhatTheActionKnows = {
  backend: 'docker',
  werfFlags: { skipTlsVerifyRegistry: false, insecureRegistry: false },
  registry: () => undefined,
  daemon: 'not-asked',
};

/**
 * Reads werf's output (stdout and stderr) for the failures users meet and turns each into a finding with its fix:
 * untrusted registry certificates and a plain-HTTP registry spoken to over HTTPS (who met them - werf's own client,
 * the Docker daemon or Buildah - decided from what the action knows: the backend and the inputs it applied to that
 * registry), 401/403 from a registry, an invalid repository address, and image pulls failing on the nodes during the
 * deploy. Pure; the most basic cause comes first, each (kind, registry) once.
 */
export function diagnose(output: string, knows: WhatTheActionKnows = KNOWS_NOTHING): Finding[] {
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
    else if (X509_RE.test(line)) add(1, untrustedCertificate(line, knows));
    else if (PLAIN_HTTP_RE.test(line)) add(2, plainHttp(line, knows));
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

type Pusher = 'daemon' | 'buildah' | 'werf';
const PUSHER_NAME: Record<Pusher, string> = { daemon: 'the Docker daemon', buildah: 'Buildah', werf: 'werf itself' };

/**
 * Who met a TLS or plain-HTTP error with `registry`. The action's knowledge decides first: werf's own client skips
 * verification with --skip-tls-verify-registry, trusts a ca-cert (it is in werf's SSL_CERT_FILE bundle, and the trust
 * stage proved that it signs the registry's certificate) and falls back to HTTP with --insecure-registry, so with those set for the registry it can only be the container backend
 * (the daemon, or Buildah with WERF_BUILDAH_MODE), whose trust is its own. Otherwise werf's wording tells: a quoted
 * `unable to push image "<ref>"` or docker's own lines are the backend, everything else is werf's client.
 */
function whoMet(kind: 'x509' | 'http', line: string, registry: string | undefined, knows: WhatTheActionKnows): Pusher {
  const backend: Pusher = knows.backend === 'buildah' ? 'buildah' : 'daemon';
  const set = registry ? knows.registry(registry) : undefined;
  if (kind === 'x509' && (knows.werfFlags.skipTlsVerifyRegistry || set?.caCert)) return backend;
  if (kind === 'http' && (knows.werfFlags.insecureRegistry || set?.insecureRegistry)) return backend;
  if (BACKEND_PUSH_RE.test(line) || DOCKER_WORDS_RE.test(line)) return backend;
  if (knows.backend === 'docker' && BUILDAH_WORDS_RE.test(line)) return 'buildah';
  return 'werf';
}

/** The daemon's own settings a registry needs, as one sentence: certs.d for a CA, insecure-registries otherwise. */
function daemonInsecureFix(where: string, registry: string | undefined, knows: WhatTheActionKnows): string {
  const entry = registry ?? '<host:port>';
  const check =
    knows.daemon === 'checked'
      ? ''
      : ' (docker-daemon: auto or check finds this before the build when the action can reach the daemon)';
  return `add ${where} to "insecure-registries" in the daemon's config file (/etc/docker/daemon.json: "insecure-registries": ["${entry}"]) and reload it (sudo systemctl reload docker, or sudo kill -HUP <dockerd pid>)${check}`;
}

function untrustedCertificate(line: string, knows: WhatTheActionKnows): Finding {
  const registry = registryOf(line);
  const who = whoMet('x509', line, registry, knows);
  const set = registry ? knows.registry(registry) : undefined;
  const cause = (X509_RE.exec(line)?.[0] ?? '').trim();
  const where = registry ?? 'the registry';
  const certsFolder = `/etc/docker/certs.d/${registry ?? '<host:port>'}`;
  let fix: string;
  if (who === 'daemon') {
    if (set?.caCert)
      fix = `ca-cert is set and the action installs it in ${certsFolder}/ca.crt, but this daemon did not trust it: a daemon that is not on this runner (DOCKER_HOST) or runs rootless reads another certs.d; put the CA into its certs.d for ${where}, or ${daemonInsecureFix(where, registry, knows)}.`;
    else if (set?.skipTlsVerify || set?.insecureRegistry)
      fix = `${set.insecureRegistry ? 'insecure-registry' : 'skip-tls-verify'} is set, but werf's TLS flags never reach the Docker daemon, which pushes the stages and verifies the registry with its own trust: ${daemonInsecureFix(where, registry, knows)}; or give the registry's CA in ca-cert (the action installs it in ${certsFolder}/ca.crt).`;
    else
      fix = `Set ca-cert to the CA that signed ${where}'s certificate: the action installs it for werf and in ${certsFolder}/ca.crt, where the Docker daemon that pushes the stages looks (skip-tls-verify does not reach the daemon; to skip verification there too, ${daemonInsecureFix(where, registry, knows)}).`;
  } else if (who === 'buildah') {
    const folder = `/etc/containers/certs.d/${registry ?? '<host:port>'}/`;
    fix =
      set?.skipTlsVerify || set?.insecureRegistry
        ? `${set.insecureRegistry ? 'insecure-registry' : 'skip-tls-verify'} is set, but Buildah, which pushes the stages, reads its own settings: mark ${where} insecure in /etc/containers/registries.conf ([[registry]] location = "${registry ?? '<host:port>'}" insecure = true), or give the registry's CA in ca-cert (the action installs it in ${folder}).`
        : `Set ca-cert to the CA that signed ${where}'s certificate (the action installs it in ${folder}, where Buildah looks), or mark it insecure in /etc/containers/registries.conf.`;
  } else {
    fix = `Set ca-cert to the CA that signed ${where}'s certificate (werf's own registry client trusts SSL_CERT_FILE/SSL_CERT_DIR, where the action installs it), or skip-tls-verify: true for --skip-tls-verify-registry.`;
  }
  return {
    title: 'Registry certificate not trusted',
    message: `${PUSHER_NAME[who]} could not verify the TLS certificate of ${where} (${oneLine(cause)}).`,
    fix,
    ...(registry ? { registry } : {}),
    who,
  };
}

function plainHttp(line: string, knows: WhatTheActionKnows): Finding {
  const registry = registryOf(line);
  const who = whoMet('http', line, registry, knows);
  const set = registry ? knows.registry(registry) : undefined;
  const where = registry ?? 'the registry';
  let fix: string;
  if (who === 'daemon')
    fix = set?.insecureRegistry
      ? `insecure-registry is set, but werf's --insecure-registry never reaches the Docker daemon, which pushes the stages over HTTPS: ${daemonInsecureFix(where, registry, knows)}.`
      : `Set insecure-registry: true, and ${daemonInsecureFix(where, registry, knows)}: the Docker daemon pushes the stages and does not see werf's flags.`;
  else if (who === 'buildah')
    fix = `${set?.insecureRegistry ? 'insecure-registry is set, but Buildah, which pushes the stages, reads its own settings' : 'Set insecure-registry: true; Buildah, which pushes the stages, also needs it'}: mark ${where} insecure in /etc/containers/registries.conf ([[registry]] location = "${registry ?? '<host:port>'}" insecure = true).`;
  else fix = 'Set insecure-registry: true (werf --insecure-registry), or serve the registry over HTTPS.';
  return {
    title: 'Registry speaks plain HTTP',
    message: `${where === 'the registry' ? 'The registry' : where} answered HTTPS with plain HTTP (server gave HTTP response to HTTPS client), met by ${PUSHER_NAME[who]}.`,
    fix,
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

/**
 * host[:port] the line is about: the first URL (where the request failed), else the image werf could not push (quoted
 * or not), else the repository docker named, else the first quoted or bare image reference.
 */
function registryOf(line: string): string | undefined {
  // werf's output is not ours: what is taken from it goes into our sentences as one plain line.
  const url = /https?:\/\/([^/"\s]+)/.exec(line)?.[1];
  if (url) return oneLine(url);
  const pushed =
    /unable to push image "([^"]+)"/.exec(line)?.[1] ??
    UNQUOTED_PUSH_RE.exec(line)?.[1] ??
    /push refers to repository \[([^\]]+)\]/.exec(line)?.[1];
  const pushedHost = pushed ? hostOfImage(pushed) : undefined;
  if (pushedHost) return oneLine(pushedHost);
  const quoted = /"([^"\s]+\/[^"\s]+)"/.exec(line)?.[1];
  const host = quoted ? hostOfImage(quoted) : undefined;
  if (host) return oneLine(host);
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
