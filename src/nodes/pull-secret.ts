import * as core from '@actions/core';
import { firstLine } from '../child-process.js';
import type { RegistryAccess } from '../registry/index.js';
import { oneLine, quote } from '../untrusted.js';
import {
  entriesFor,
  PULL_SECRET_TYPES,
  readDockerConfig,
  secretCommand,
  type DockerConfigEntry,
} from './docker-config.js';
import type { Kubectl, KubeTarget } from './kubectl.js';

/**
 * Where the credentials the registry mode sends come from, in words for its reasons (never the values): none (no
 * `image-pull-secret`), an entry of the secret, the login's standing in for a secret the check could not read, or none
 * because the secret is unusable as the kubelet reads it.
 */
export type CredentialSource =
  | { kind: 'none' }
  | { kind: 'secret'; secret: string; namespace: string; entry: string }
  | { kind: 'login'; secret: string; why: string; loggedIn: boolean }
  | { kind: 'unusable'; secret: string; problem: SecretProblem };

/** Why a node gets no credentials from the secret, and the fix; `failsPull`: the kubelet fails the pull outright. */
export interface SecretProblem {
  reason: string;
  fix: string;
  failsPull: boolean;
}

/** Credentials the registry mode sends for an image, and where they come from. */
export interface NodeCredentials {
  /** '' and '' = none */
  username: string;
  password: string;
  source: CredentialSource;
}

/** What `kubectl get secret` found. */
export type SecretState =
  | { state: 'read'; entries: DockerConfigEntry[] }
  | { state: 'missing' }
  | { state: 'wrong-type'; type: string }
  | { state: 'no-data'; key: string }
  | { state: 'malformed'; why: string }
  | { state: 'unreadable'; why: string; fix: string };

/**
 * Reads the pull secret `name` from the target namespace with `kubectl get secret NAME -o json` (the credentials come
 * on kubectl's stdout, which stays in this process: never logged, never on an argv, never in a file) and masks every
 * credential in it (core.setSecret) before anything else looks at it. A secret the kubelet would ignore (another type)
 * or fail on (data it cannot decode) is said as such; a kubectl failure other than NotFound (RBAC, no kubectl, no
 * connection) is `unreadable`, with what to grant.
 */
export async function readPullSecret(kubectl: Kubectl, name: string, kube: KubeTarget): Promise<SecretState> {
  const res = await kubectl(['get', 'secret', name, '-o', 'json']);
  if (res.exitCode !== 0) {
    if (/\(NotFound\)|secrets? "[^"]*" not found/.test(res.stderr)) return { state: 'missing' };
    const where = kube.namespace ? `the namespace ${quote(kube.namespace)}` : 'the deploy namespace';
    const fix =
      res.exitCode === 127
        ? 'install kubectl on the runner (for example with azure/setup-kubectl)'
        : `grant the deploy account get on secrets in ${where} (a Role; resourceNames: [${name}] is enough)`;
    return { state: 'unreadable', why: `kubectl could not get it: ${oneLine(firstLine(res.stderr))}`, fix };
  }
  let secret: { type?: unknown; data?: unknown };
  try {
    secret = JSON.parse(res.stdout) as typeof secret;
  } catch {
    return { state: 'unreadable', why: 'kubectl printed no JSON for it', fix: 'check the kubectl on the runner' };
  }
  const data = typeof secret.data === 'object' && secret.data !== null ? (secret.data as Record<string, unknown>) : {};
  // The base64 of each value holds the credentials too.
  for (const value of Object.values(data)) if (typeof value === 'string' && value !== '') core.setSecret(value);
  const type = typeof secret.type === 'string' ? secret.type : '';
  const key = PULL_SECRET_TYPES[type as keyof typeof PULL_SECRET_TYPES] as string | undefined;
  const raw = key ? data[key] : undefined;
  // The kubelet reads only these two types, each from its own key, and skips the secret otherwise.
  if (!key) return { state: 'wrong-type', type: type || 'no type' };
  if (typeof raw !== 'string' || raw === '') return { state: 'no-data', key };
  const config = readDockerConfig(Buffer.from(raw, 'base64').toString('utf8'), key === '.dockercfg');
  for (const value of config.secrets) core.setSecret(value);
  if (config.error) return { state: 'malformed', why: config.error };
  return { state: 'read', entries: config.entries };
}

/** What the registry mode sends for each image, and one sentence per distinct source for the log and the summary. */
export interface CredentialsPlan {
  forImage(image: { host: string; repo: string }): NodeCredentials[];
}

/**
 * The credentials a node would send for each image: none without `image-pull-secret`; with it, the matching entries
 * of the secret as the kubelet picks them (`state` from readPullSecret), none when the secret is missing, of another
 * type, without an entry for the registry or without a username and password in it (each a problem with its fix);
 * the login's when the secret could not be read (no kubeconfig - `noSecretWhy` -, or kubectl failed), said as such.
 * Pure.
 */
export function credentialsPlan(o: {
  imagePullSecret: string;
  kube?: KubeTarget;
  state?: SecretState;
  /** why the secret was not read when `state` is undefined */
  noSecretWhy?: string;
  access: (host: string) => RegistryAccess;
}): CredentialsPlan {
  const secret = o.imagePullSecret;
  const namespace = o.kube?.namespace ?? '';
  const none = (source: CredentialSource): NodeCredentials[] => [{ username: '', password: '', source }];
  const unusable = (problem: SecretProblem) => none({ kind: 'unusable', secret, problem });
  const login = (host: string, why: string): NodeCredentials[] => {
    const { username, password } = o.access(host);
    return [{ username, password, source: { kind: 'login', secret, why, loggedIn: username !== '' } }];
  };
  const where = namespace ? `namespace ${quote(namespace)}` : "the kube context's namespace";
  const named = `secret ${secret} in ${where}`;
  return {
    forImage: (image) => {
      const { host, repo } = image;
      if (!secret) return none({ kind: 'none' });
      const state = o.state;
      if (!state) return login(host, o.noSecretWhy ?? 'it was not read');
      const create = secretCommand(secret, namespace, host, 'create');
      const replace = secretCommand(secret, namespace, host, 'replace');
      switch (state.state) {
        case 'unreadable':
          return login(host, state.why);
        case 'missing':
          return unusable({
            reason: `${named} does not exist, so a node pulls without credentials`,
            fix: `Create it where the pods run and list it in their imagePullSecrets: ${create}`,
            failsPull: false,
          });
        case 'wrong-type':
          return unusable({
            reason: `${named} is of type ${quote(state.type)}, which the kubelet takes no credentials from (only kubernetes.io/dockerconfigjson and kubernetes.io/dockercfg), so a node pulls without credentials`,
            fix: `Recreate it as a docker-registry secret (the type of a secret cannot change): kubectl delete secret ${secret}${namespace ? ` --namespace=${oneLine(namespace)}` : ''}, then ${create}`,
            failsPull: false,
          });
        case 'no-data':
          return unusable({
            reason: `${named} has no ${state.key} data, so a node pulls without credentials`,
            fix: `Write it anew: ${replace}`,
            failsPull: false,
          });
        case 'malformed':
          return unusable({
            reason: `the kubelet cannot read ${named} (${state.why}), so a node fails every pull that uses it`,
            fix: `Write it anew: ${replace}`,
            failsPull: true,
          });
        case 'read': {
          const matching = entriesFor(state.entries, `${host}/${repo}`);
          if (matching.length === 0) {
            const keys = state.entries.map((e) => quote(e.key)).join(', ') || 'none';
            return unusable({
              reason: `${named} has no entry the kubelet uses for ${host} (its entries: ${keys}; host and port must match as written), so a node pulls without credentials`,
              fix: `Add an entry for ${host}: ${replace} (this replaces its entries; to keep them, add ${quote(host)} to the "auths" of its .dockerconfigjson instead)`,
              failsPull: false,
            });
          }
          return matching.map((entry) => {
            if (entry.username === '' && entry.password === '') {
              const token = entry.hasToken
                ? ', only an identitytoken or registrytoken, which the kubelet does not send'
                : '';
              return {
                username: '',
                password: '',
                source: {
                  kind: 'unusable',
                  secret,
                  problem: {
                    reason: `the entry ${quote(entry.key)} of ${named} has no username and password${token}, so a node pulls without credentials`,
                    fix: `Put a username and password (or a token as the password) into it: ${replace}`,
                    failsPull: false,
                  },
                },
              };
            }
            return {
              username: entry.username,
              password: entry.password,
              source: { kind: 'secret', secret, namespace, entry: entry.key },
            };
          });
        }
      }
    },
  };
}

/** The words for where credentials came from, inside a node view `(linux/amd64, node-trust: …, <these>)`. */
export function sourceLabel(source: CredentialSource): string {
  switch (source.kind) {
    case 'none':
      return 'anonymous';
    case 'secret':
      return `secret ${source.secret}`;
    case 'login':
      return `${source.loggedIn ? "the login's credentials" : 'no credentials'} in place of secret ${source.secret}`;
    case 'unusable':
      return `anonymous, secret ${source.secret} unusable`;
  }
}

/**
 * One sentence for the log and the job summary on what the registry mode sent in place of what (pure): the secret's
 * credentials, the login's standing in for the secret and why, or none and why.
 */
export function sourceSentence(source: CredentialSource, host: string): string {
  switch (source.kind) {
    case 'none':
      return `${host}: no credentials (no image-pull-secret), as a node without one pulls.`;
    case 'secret': {
      const ns = source.namespace ? ` from namespace ${quote(source.namespace)}` : '';
      return `${host}: the credentials of secret ${source.secret}${ns} (its entry ${quote(source.entry)}), read with kubectl, as the kubelet picks them.`;
    }
    case 'login':
      return `${host}: ${source.loggedIn ? "the login's credentials" : 'no credentials (the job has no login for it)'} stood in for secret ${source.secret}, which the check did not read: ${source.why}.`;
    case 'unusable':
      return `${host}: no credentials: ${source.problem.reason}.`;
  }
}
