// A pull secret's docker config read the way the kubelet reads it (pkg/credentialprovider: config.go, keyring.go,
// secrets.go), so that the registry mode sends what a node would send. Pure: no I/O, no logging.

import { DOCKER_HUB, DOCKER_HUB_CONFIG_KEY } from '../registry/index.js';
import { oneLine, quote } from '../untrusted.js';

/** The Secret types whose credentials the kubelet uses, and the data key each keeps them under. */
export const PULL_SECRET_TYPES = {
  'kubernetes.io/dockerconfigjson': '.dockerconfigjson',
  'kubernetes.io/dockercfg': '.dockercfg',
} as const;

/** One entry of a docker config ("auths" of .dockerconfigjson, or the top level of a legacy .dockercfg). */
export interface DockerConfigEntry {
  /** the key as written in the secret (`https://reg.example.com:5443`, `reg.example.com/team`, ...) */
  key: string;
  /** from `auth` (base64 of `user:password`) when it is set, else from `username` */
  username: string;
  password: string;
  /** the entry holds an identitytoken or registrytoken: the kubelet does not send either to the runtime */
  hasToken: boolean;
}

/** A docker config as the kubelet reads it: its entries, or why the kubelet cannot read it. */
export interface DockerConfigRead {
  entries: DockerConfigEntry[];
  /** set when the kubelet fails every pull that uses the secret (invalid JSON, an `auth` that does not decode) */
  error?: string;
  /** every value in it that reveals a credential (passwords, auth, tokens, base64 user:pass), to be masked */
  secrets: string[];
}

/**
 * `auth` of an entry, decoded as the kubelet does: standard base64, padded when it ends with `=`, else unpadded;
 * `user:password` split at the first colon. Throws an Error whose message holds no part of the value.
 */
export function decodeAuthField(auth: string): { username: string; password: string } {
  const padded = auth.trim().endsWith('=');
  const valid = padded
    ? /^[A-Za-z0-9+/]*={1,2}$/.test(auth) && auth.length % 4 === 0
    : /^[A-Za-z0-9+/]*$/.test(auth) && auth.length % 4 !== 1;
  if (!valid) throw new Error('its "auth" is not base64');
  const text = Buffer.from(auth, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  if (colon < 0) throw new Error('its "auth" is not base64 of username:password');
  return { username: text.slice(0, colon), password: text.slice(colon + 1) };
}

/**
 * The entries of a docker config (`text`: the decoded data of the secret; `legacy`: a `.dockercfg`, whose top level is
 * the entries, else a `.dockerconfigjson` with an `auths` object), each with its credentials decoded. Like the
 * kubelet, a config that is not JSON, a field of the wrong JSON type or an `auth` that does not decode spoils the whole
 * secret (`error`); email and unknown fields are ignored. `secrets` lists what to mask even when `error` is set.
 */
export function readDockerConfig(text: string, legacy: boolean): DockerConfigRead {
  const secrets: string[] = [];
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return { entries: [], secrets, error: 'its docker config is not JSON' };
  }
  const auths = legacy ? doc : isObject(doc) ? (doc.auths ?? {}) : undefined;
  if (!isObject(auths)) return { entries: [], secrets, error: `its ${legacy ? '' : '"auths" '}is not a JSON object` };
  // Masked first, all of them, before any entry can spoil the read.
  for (const raw of Object.values(auths)) {
    if (!isObject(raw)) continue;
    for (const field of ['password', 'auth', 'identitytoken', 'registrytoken'])
      if (typeof raw[field] === 'string' && raw[field] !== '') secrets.push(raw[field]);
  }
  const entries: DockerConfigEntry[] = [];
  for (const [key, raw] of Object.entries(auths)) {
    if (!isObject(raw)) return { entries: [], secrets, error: `its entry ${quote(key)} is not an object` };
    const field = (name: string): string | undefined => {
      const v = raw[name];
      if (v === undefined || v === null) return '';
      return typeof v === 'string' ? v : undefined;
    };
    const [username, password, auth] = [field('username'), field('password'), field('auth')];
    if (username === undefined || password === undefined || auth === undefined) {
      return { entries: [], secrets, error: `its entry ${quote(key)} has a field that is not a string` };
    }
    let creds = { username, password };
    if (auth !== '') {
      try {
        creds = decodeAuthField(auth);
      } catch (err) {
        return { entries: [], secrets, error: `its entry ${quote(key)}: ${(err as Error).message}` };
      }
    }
    if (creds.password !== '') {
      secrets.push(creds.password, Buffer.from(`${creds.username}:${creds.password}`).toString('base64'));
    }
    const hasToken = ['identitytoken', 'registrytoken'].some((t) => typeof raw[t] === 'string' && raw[t] !== '');
    entries.push({ key, ...creds, hasToken });
  }
  return { entries, secrets: [...new Set(secrets)] };
}

/**
 * The key the kubelet files an entry under: `https://` or `http://` dropped, the host as written (port included) and
 * the path, where `/v1/` and `/v2/` count as no path (`https://index.docker.io/v1/` is `index.docker.io`). undefined
 * for a key the kubelet ignores (no host).
 */
export function keyringKey(key: string): string | undefined {
  const rest = key.startsWith('https://') ? key.slice(8) : key.startsWith('http://') ? key.slice(7) : key;
  const { host, path } = splitSchemeless(rest);
  if (host === '') return undefined;
  const effective = path.startsWith('/v2/') || path.startsWith('/v1/') ? path.slice(3) : path;
  return effective !== '' && effective !== '/' ? `${host}${effective}` : host;
}

// host and path of a URL without its scheme, as Go's url.Parse("https://" + s) splits them (userinfo dropped).
function splitSchemeless(s: string): { host: string; path: string } {
  const end = s.search(/[/?#]/);
  const authority = end < 0 ? s : s.slice(0, end);
  const rest = end < 0 ? '' : s.slice(end);
  const path = rest.startsWith('/') ? rest.replace(/[?#].*$/, '') : '';
  return { host: authority.slice(authority.lastIndexOf('@') + 1), path };
}

// Go's net.SplitHostPort, with the kubelet's fallback: no port (or not splittable) means the whole host, port ''.
function hostAndPort(host: string): { parts: string[]; port: string } {
  const v6 = /^\[([^\]]*)\]:(.*)$/.exec(host);
  if (v6) return { parts: (v6[1] as string).split('.'), port: v6[2] as string };
  const colons = host.split(':').length - 1;
  if (colons === 1 && !host.startsWith('[')) {
    const [name, port] = host.split(':') as [string, string];
    return { parts: name.split('.'), port };
  }
  return { parts: host.split('.'), port: '' };
}

// One host label against a glob label of the key (Go's filepath.Match: `*`, `?`, `[...]`, `\` escapes).
function globMatches(glob: string, label: string): boolean {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '\\' && i + 1 < glob.length) re += escapeRegExp(glob[++i] as string);
    else if (c === '[') {
      const close = glob.indexOf(']', i + 2);
      if (close < 0) return false; // a malformed pattern matches nothing (filepath.Match returns an error)
      const body = glob.slice(i + 1, close).replace(/\\/g, '\\\\');
      re += `[${body.startsWith('^') ? `^${body.slice(1)}` : body}]`;
      i = close;
    } else re += escapeRegExp(c);
  }
  try {
    return new RegExp(`^${re}$`, 's').test(label);
  } catch {
    return false;
  }
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

// The kubelet's URLsMatch: same port, same number of host labels, each label matching the key's (globs allowed), and
// the key's path a prefix of the image's path (a plain string prefix: `reg/team` also matches `reg/teamx/app`).
function keyMatches(key: string, image: string): boolean {
  const k = splitSchemeless(key);
  const t = splitSchemeless(image);
  const kh = hostAndPort(k.host);
  const th = hostAndPort(t.host);
  if (kh.port !== th.port || kh.parts.length !== th.parts.length) return false;
  if (!t.path.startsWith(k.path)) return false;
  return kh.parts.every((glob, i) => globMatches(glob, th.parts[i] as string));
}

// The kubelet's isDefaultRegistryMatch: an image Docker Hub serves.
function isDockerHubImage(image: string): boolean {
  const [first, ...rest] = image.split('/');
  if (!first) return false;
  if (rest.length === 0) return true;
  if (first === 'docker.io' || first === 'index.docker.io') return true;
  return !/[.:]/.test(first);
}

/**
 * The entries the kubelet offers the runtime for `image` (`host/repository` as the pod names it, the host normalized
 * as Docker does: `docker.io/library/nginx`), in the order it tries them: each entry whose key matches (same host
 * labels, `*.example.com` globs allowed, the same port - none is not 443 -, the key's path a prefix of the
 * repository's), keys in reverse order so the longer path comes first; when none matches and the image is on Docker
 * Hub, the entry for `index.docker.io` (`https://index.docker.io/v1/`). An empty list: the node pulls without
 * credentials.
 */
export function entriesFor(entries: DockerConfigEntry[], image: string): DockerConfigEntry[] {
  const byKey = new Map<string, DockerConfigEntry[]>();
  for (const entry of entries) {
    const key = keyringKey(entry.key);
    if (key !== undefined) byKey.set(key, [...(byKey.get(key) ?? []), entry]);
  }
  const index = [...byKey.keys()].sort().reverse();
  const found = index.filter((key) => keyMatches(key, image)).flatMap((key) => byKey.get(key) ?? []);
  if (found.length > 0) return found;
  return isDockerHubImage(image) ? (byKey.get('index.docker.io') ?? []) : [];
}

/** The `--docker-server` of `kubectl create secret docker-registry` for a registry host: Docker Hub's usual key. */
export function dockerServerFor(host: string): string {
  return host === DOCKER_HUB ? DOCKER_HUB_CONFIG_KEY : host;
}

/**
 * The `kubectl create secret docker-registry` line for a pull secret, with placeholders for the credentials (never
 * their values): `create` for a secret that does not exist, `replace` to write an existing one anew (`--dry-run=client
 * -o yaml | kubectl apply -f -`). Pure.
 */
export function secretCommand(secret: string, namespace: string, host: string, how: 'create' | 'replace'): string {
  const ns = namespace ? ` --namespace=${oneLine(namespace)}` : '';
  const line = `kubectl create secret docker-registry ${secret}${ns} --docker-server=${dockerServerFor(host)} --docker-username=<username> --docker-password=<password or token>`;
  return how === 'replace' ? `${line} --dry-run=client -o yaml | kubectl apply -f -` : line;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
