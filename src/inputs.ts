import * as fs from 'node:fs';
import * as path from 'node:path';
import * as core from '@actions/core';
import yaml from 'js-yaml';
import { forgetInputs } from './child-process.js';
import { combineProblems } from './errors.js';
import { checkExtraArgs } from './extra-args.js';
import {
  MAX_INPUT_FILE_BYTES,
  MAX_SECRET_INPUT_BYTES,
  hasLineBreak,
  passwordProblem,
  passwordText,
  rawInput,
  readBoundedFile,
  shownValue,
  sizeText,
  yamlErrorWhere,
} from './input-text.js';
import { parseRepository } from './reference.js';
import { DOCKER_HUB, normalizeRegistryHost } from './registry/docker-hub.js';
import { parseWerfVersion } from './werf/version.js';
import { ambientKubeconfig, kubeconfigSecrets } from './werf/kubeconfig.js';
import { quote } from './untrusted.js';

export type Command = 'converge' | 'build';
export type VerifyPull = 'off' | 'registry' | 'cluster' | 'auto';
export type NodeTrust = 'system' | 'ca-cert' | 'skip-verify';
/** What the action may do to the Docker daemon that pushes werf's stages (see action.yml). */
export type DockerDaemonMode = 'auto' | 'configure' | 'check' | 'off';

/** The TUF root the werf download is trusted through: `{version}.root.json` must have this SHA-512. */
export interface TufRootPin {
  version: number;
  /** lowercase hex */
  sha512: string;
}

/** werf's own pin (trdl's and werf's setup-app preset for https://tuf.werf.io). */
export const WERF_TUF_ROOT: TufRootPin = {
  version: 12,
  sha512:
    'e1d3c7bcfdf473fe1466c5e9d9030bea0fed857d0563db1407754d2795256e4d063b099156807346cdcdc21d747326cc43f96fa2cacda5f1c67c8349fe09894d',
};

/** One registry the action logs into and talks to: from `registries`, or from the hosts of repo/final-repo. */
export interface RegistrySettings {
  /** host[:port], normalized (docker.io for Docker Hub) */
  host: string;
  /** '' = anonymous */
  username: string;
  password: string;
  /** PEM text (read from the file when the input was a path); '' = none */
  caCert: string;
  skipTlsVerify: boolean;
  /** the registry speaks plain HTTP */
  insecureRegistry: boolean;
}

/** Every input of action.yml, typed and validated. Nothing else in the action reads inputs. */
export interface Inputs {
  repo: string;
  /** '' = no final repository */
  finalRepo: string;
  username: string;
  password: string;
  /** always filled: the `registries` list, or one entry per host of repo/final-repo */
  registries: RegistrySettings[];
  caCert: string;
  skipTlsVerify: boolean;
  insecureRegistry: boolean;
  command: Command;
  args: string[];
  env: string;
  kubeConfigBase64: string;
  kubeContext: string;
  workingDirectory: string;
  werfVersion: string;
  werfPath: string;
  werfBaseUrl: string;
  werfVerifySignature: boolean;
  werfTufRoot: TufRootPin;
  werfSigningKey: string;
  verifyManifests: boolean;
  verifyPull: VerifyPull;
  nodeTrust: NodeTrust;
  imagePullSecret: string;
  dockerDaemon: DockerDaemonMode;
  logout: boolean;
  summary: boolean;
}

/** Reads an input by its action.yml name; '' when unset. */
export type InputSource = (name: string) => string;

const TRUE_WORDS = ['true', 'True', 'TRUE'];
const FALSE_WORDS = ['false', 'False', 'FALSE'];
// The inputs that hold several lines by design; every other input is one line (a line break there is an error).
const MULTI_LINE_INPUTS = ['password', 'registries', 'ca-cert', 'werf-signing-key', 'args', 'kube-config-base64'];
// `password:` values in the registries text, found before (and whether or not) it parses as YAML.
const REGISTRY_PASSWORD_LINE = /^[\s-]*["']?password["']?\s*:[ \t]*(\S.*?)[ \t]*$/gm;
const REGISTRY_PASSWORD_FLOW = /["']?password["']?\s*:\s*("(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^,}\]\s][^,}\]\n]*)/g;
const REGISTRY_KEYS = ['registry', 'username', 'password', 'ca-cert', 'skip-tls-verify', 'insecure-registry'];

/**
 * Reads the action's inputs as the runner hands them over (untrimmed: a password keeps its spaces), masks every secret
 * among them before any of them is parsed, validates them all (throwing one ActionError that lists every problem,
 * before the action does anything else), and then removes them from the environment, so that no child process
 * inherits them.
 */
export function readInputs(): Inputs {
  const get: InputSource = (name) => rawInput(name);
  try {
    for (const secret of secretInputs(get)) core.setSecret(secret);
    return parseInputs(get, process.cwd());
  } finally {
    forgetInputs();
  }
}

/**
 * The secret values among the raw inputs, to be masked before anything parses or logs them: the password (as written
 * and as used), every password of the registries list (found in the text even when it is not valid YAML), and the
 * kubeconfig (its base64, its text, and each credential in it on its own: a log line shows one of them, not the whole).
 */
export function secretInputs(get: InputSource): string[] {
  const secrets: string[] = [];
  const addPassword = (raw: string) => {
    secrets.push(raw, passwordText(raw), ...raw.split(/\r\n|\r|\n/));
  };
  addPassword(get('password'));
  const registries = get('registries');
  // A block scalar's header (`password: |`) is no password: masking `|` would hide every one in the log.
  const found = [...registries.matchAll(REGISTRY_PASSWORD_LINE), ...registries.matchAll(REGISTRY_PASSWORD_FLOW)];
  for (const value of found.map((m) => (m[1] as string).trim())) {
    if (!/^[|>][-+1-9]*$/.test(value)) addPassword(value);
  }
  // The found text with its quotes, and without them: a tool prints the value itself.
  for (const s of [...secrets]) secrets.push(s.replace(/^(["'])(.*)\1$/s, '$2'));
  try {
    const list = loadRegistriesYaml(registries);
    if (Array.isArray(list)) {
      for (const entry of list) {
        const password = (entry as Record<string, unknown> | null)?.password;
        if (typeof password === 'string') addPassword(password);
      }
    }
  } catch {
    // Not YAML: parseInputs says where; the patterns above found what looks like a password in it.
  }
  // A mirror's URL may carry a password (https://user:pass@mirror): the download's log lines name the URL.
  try {
    const password = new URL(get('werf-base-url').trim()).password;
    if (password) secrets.push(password, decodeURIComponent(password));
  } catch {
    // not a URL: parseInputs says so
  }
  const kubeconfig = get('kube-config-base64');
  if (kubeconfig.trim() !== '') {
    const text = Buffer.from(kubeconfig.trim(), 'base64').toString('utf8');
    secrets.push(kubeconfig, kubeconfig.trim(), ...kubeconfig.split(/\s+/), text, ...kubeconfigSecrets(text));
  }
  return [...new Set(secrets)].filter((s) => s.trim() !== '');
}

/**
 * Turns raw input strings into a validated Inputs; pure apart from reading the files that `ca-cert` and
 * `werf-signing-key` may name. `cwd` resolves relative paths (the workspace on a runner).
 */
export function parseInputs(get: InputSource, cwd: string): Inputs {
  const problems: string[] = [];
  // A one-line input with a line break in it would start a new line wherever it is printed, where the runner reads
  // workflow commands (`prod\n::set-output name=verified::true`): an input error, and the input counts as unset.
  const broken = new Set<string>();
  const text = (name: string): string => {
    const value = get(name).trim();
    if (MULTI_LINE_INPUTS.includes(name) || !hasLineBreak(value)) return value;
    if (!broken.has(name)) problems.push(`Input "${name}" must be one line, but it has a line break: ${quote(value)}.`);
    broken.add(name);
    return '';
  };
  const bool = (name: string, fallback: boolean): boolean => {
    const value = text(name);
    if (value === '') return fallback;
    if (TRUE_WORDS.includes(value)) return true;
    if (FALSE_WORDS.includes(value)) return false;
    problems.push(`Input "${name}" must be true or false (YAML 1.2 core schema), not ${quote(value)}.`);
    return fallback;
  };
  const oneOf = <T extends string>(name: string, allowed: readonly T[], fallback: T): T => {
    const value = text(name) || fallback;
    if ((allowed as readonly string[]).includes(value)) return value as T;
    problems.push(`Input "${name}" must be one of ${allowed.join(', ')}, not ${quote(value)}.`);
    return fallback;
  };

  const repo = text('repo');
  if (repo === '' && !broken.has('repo'))
    problems.push('Input "repo" is required: the werf stages repository, e.g. registry.example.com/app.');
  const repoHost = repo === '' ? undefined : repositoryHost(repo, 'repo', problems);
  const finalRepo = text('final-repo');
  const finalRepoHost = finalRepo === '' ? undefined : repositoryHost(finalRepo, 'final-repo', problems);

  const username = text('username');
  const password = passwordText(get('password'));
  const badPassword = passwordProblem('"password"', password);
  if (badPassword) problems.push(badPassword);
  if (username !== '' && password === '')
    problems.push('Input "username" is set but "password" is empty: set both or neither.');
  if (username === '' && password !== '' && !broken.has('username'))
    problems.push('Input "password" is set but "username" is empty: set both or neither.');

  const caCert = readPemOrPath('ca-cert', text('ca-cert'), cwd, problems);
  const skipTlsVerify = bool('skip-tls-verify', false);
  const insecureRegistry = bool('insecure-registry', false);
  checkTlsContradictions('', { caCert, skipTlsVerify, insecureRegistry }, problems);

  const defaults: RegistrySettings = { host: '', username, password, caCert, skipTlsVerify, insecureRegistry };
  const repoHosts = [repoHost, finalRepoHost].filter((h): h is string => h !== undefined);
  let registries: RegistrySettings[];
  const registriesText = get('registries');
  if (registriesText.trim() !== '') {
    if (username !== '' || password !== '') {
      problems.push(
        'Inputs "registries" and "username"/"password" exclude each other: put the credentials into the list entries.',
      );
    }
    registries = parseRegistries(registriesText, { ...defaults, username: '', password: '' }, cwd, problems);
    // repo and final-repo hosts the list does not name are still talked to: anonymously, with the top-level TLS settings.
    for (const host of repoHosts) {
      if (!registries.some((r) => r.host === host)) {
        registries.push({ ...defaults, ...topLevelTls(host, defaults), host, username: '', password: '' });
      }
    }
  } else {
    registries = [...new Set(repoHosts)].map((host) => ({ ...defaults, ...topLevelTls(host, defaults), host }));
  }

  const command = oneOf<Command>('command', ['converge', 'build'], 'converge');
  const kubeConfigBase64 = text('kube-config-base64');
  const kubeconfigProblem = checkKubeconfig(kubeConfigBase64);
  if (kubeconfigProblem) problems.push(kubeconfigProblem);
  const workingDirectory = path.resolve(cwd, text('working-directory') || '.');
  if (!isDirectory(workingDirectory)) {
    problems.push(`Input "working-directory" names ${quote(workingDirectory)}, which is not a directory.`);
  }

  const werfVersion = text('werf-version') || '2 stable';
  try {
    parseWerfVersion(werfVersion);
  } catch (err) {
    problems.push((err as Error).message);
  }
  const werfBaseUrl = (text('werf-base-url') || 'https://tuf.werf.io').replace(/\/+$/, '');
  if (!isBaseUrl(werfBaseUrl)) {
    problems.push(
      `Input "werf-base-url" must be an http(s) URL without a query or fragment, not ${quote(werfBaseUrl)}.`,
    );
  }
  const werfPath = text('werf-path') ? path.resolve(cwd, text('werf-path')) : '';
  const werfTufRoot = parseTufRootPin(text('werf-tuf-root'), problems);

  const verifyPull = oneOf<VerifyPull>('verify-pull', ['off', 'registry', 'cluster', 'auto'], 'auto');
  if (verifyPull === 'cluster' && command === 'build') {
    problems.push(
      'Input "verify-pull" is cluster but "command" is build: nothing is deployed, so no probe pods can run; use verify-pull: registry.',
    );
  } else if (verifyPull === 'cluster' && kubeConfigBase64 === '' && !ambientKubeconfig()) {
    problems.push(
      'Input "verify-pull" is cluster but "kube-config-base64" is empty and no KUBECONFIG or ~/.kube/config is set up: the probe pods need the cluster; pass the kubeconfig or use verify-pull: registry.',
    );
  }
  const nodeTrust = oneOf<NodeTrust>('node-trust', ['system', 'ca-cert', 'skip-verify'], 'system');
  if (nodeTrust === 'ca-cert' && caCert === '' && !registries.some((r) => r.caCert !== '')) {
    problems.push('Input "node-trust" is ca-cert but no "ca-cert" is given: pass the CA that the nodes trust.');
  }
  const imagePullSecret = text('image-pull-secret');
  if (imagePullSecret !== '' && !/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(imagePullSecret)) {
    problems.push(
      `Input "image-pull-secret" must be a Kubernetes secret name (lowercase, digits, "-", "."), not ${quote(imagePullSecret)}.`,
    );
  }

  const args = get('args')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
  // A carriage return alone is a line break to the runner, and a werf argument has none.
  const withCr = args.findIndex((arg) => /[\r\u2028\u2029]/.test(arg));
  if (withCr >= 0) {
    problems.push(
      `Input "args" has a carriage return inside argument ${withCr + 1}: give one argument per line, ending lines with a line feed only.`,
    );
  }
  problems.push(...checkExtraArgs(args));

  const inputs: Inputs = {
    repo,
    finalRepo,
    username,
    password,
    registries,
    caCert,
    skipTlsVerify,
    insecureRegistry,
    command,
    args,
    env: text('env'),
    kubeConfigBase64,
    kubeContext: text('kube-context'),
    workingDirectory,
    werfVersion,
    werfPath,
    werfBaseUrl,
    werfVerifySignature: bool('werf-verify-signature', true),
    werfTufRoot,
    werfSigningKey: readPemOrPath('werf-signing-key', text('werf-signing-key'), cwd, problems, 'PGP PUBLIC KEY BLOCK'),
    verifyManifests: bool('verify-manifests', true),
    verifyPull,
    nodeTrust,
    imagePullSecret,
    dockerDaemon: oneOf<DockerDaemonMode>('docker-daemon', ['auto', 'configure', 'check', 'off'], 'auto'),
    logout: bool('logout', true),
    summary: bool('summary', true),
  };
  if (problems.length > 0) throw combineProblems(problems, 'inputs are wrong');
  return inputs;
}

/** `werf-tuf-root`: `VERSION SHA512` (a root version and the SHA-512 of that root.json); empty means werf's pin. */
function parseTufRootPin(value: string, problems: string[]): TufRootPin {
  if (value === '') return WERF_TUF_ROOT;
  const m = /^([1-9]\d{0,8})\s+([0-9a-fA-F]{128})$/.exec(value);
  if (m) return { version: Number(m[1]), sha512: (m[2] as string).toLowerCase() };
  problems.push(
    `Input "werf-tuf-root" must be "VERSION SHA512" (a root version and the 128 hex digits of that root.json's SHA-512), e.g. "${WERF_TUF_ROOT.version} ${WERF_TUF_ROOT.sha512.slice(0, 12)}…".`,
  );
  return WERF_TUF_ROOT;
}

/** The registry host of a repository input, or undefined (with the problem noted) when the value is not a name. */
function repositoryHost(value: string, name: 'repo' | 'final-repo', problems: string[]): string | undefined {
  try {
    return normalizeRegistryHost(parseRepository(value, name).domain);
  } catch (err) {
    problems.push((err as Error).message);
    return undefined;
  }
}

/**
 * The `registries` YAML with every scalar kept as the text it was written as (YAML's failsafe schema): a password
 * `007` stays "007" and a token of digits is not turned into a number; booleans are read by the input rules.
 */
function loadRegistriesYaml(raw: string): unknown {
  return yaml.load(raw, { schema: yaml.FAILSAFE_SCHEMA });
}

/** The `registries` YAML list as RegistrySettings; entries inherit the top-level TLS settings they do not set. */
function parseRegistries(raw: string, defaults: RegistrySettings, cwd: string, problems: string[]): RegistrySettings[] {
  const bytes = Buffer.byteLength(raw, 'utf8');
  if (bytes > MAX_SECRET_INPUT_BYTES) {
    problems.push(
      `Input "registries" is ${sizeText(bytes)}, more than the ${sizeText(MAX_SECRET_INPUT_BYTES)} it may have: check that the right text is passed.`,
    );
    return [];
  }
  let list: unknown;
  try {
    list = loadRegistriesYaml(raw);
  } catch (err) {
    // Never js-yaml's message: it quotes the text around the error, a password as often as not.
    problems.push(
      `Input "registries" is not valid YAML ${yamlErrorWhere(err)}. It must be a list of "- registry: host[:port]" entries; write a password as "password: \${{ toJSON(secrets.NAME) }}" so that any character in it is kept.`,
    );
    return [];
  }
  if (!Array.isArray(list)) {
    problems.push('Input "registries" must be a YAML list, e.g. "- registry: registry.example.com:5000".');
    return [];
  }
  const result: RegistrySettings[] = [];
  list.forEach((item: unknown, index) => {
    const where = `registries[${index}]`;
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      problems.push(`Input ${where} must be a mapping with at least "registry".`);
      return;
    }
    const entry = item as Record<string, unknown>;
    const unknownKeys = Object.keys(entry).filter((k) => !REGISTRY_KEYS.includes(k));
    if (unknownKeys.length > 0) {
      // A key is shown only when it looks like one: a misplaced value in key position may be a password.
      const shown = unknownKeys.map((k) => (/^[A-Za-z][\w.-]{0,39}$/.test(k) ? k : 'a key that is not a name'));
      problems.push(`Input ${where} has unknown keys ${shown.join(', ')}: allowed are ${REGISTRY_KEYS.join(', ')}.`);
    }
    const str = (key: string): string => {
      const value = entry[key];
      if (value === undefined || value === null) return '';
      if (typeof value === 'string') return value;
      problems.push(`Input ${where}.${key} must be a string.`);
      return '';
    };
    const flag = (key: string, fallback: boolean): boolean => {
      const value = entry[key];
      if (value === undefined || value === null) return fallback;
      if (typeof value === 'string' && TRUE_WORDS.includes(value)) return true;
      if (typeof value === 'string' && FALSE_WORDS.includes(value)) return false;
      problems.push(
        `Input ${where}.${key} must be true or false, not ${typeof value === 'string' ? quote(value) : 'a list or mapping'}.`,
      );
      return fallback;
    };
    const host = registryEntryHost(str('registry'), where, problems);
    const inherited = topLevelTls(host, defaults);
    const skipTlsVerify = flag('skip-tls-verify', inherited.skipTlsVerify);
    const insecureRegistry = flag('insecure-registry', inherited.insecureRegistry);
    const username = str('username');
    if (hasLineBreak(username)) problems.push(`Input ${where}.username must be one line: ${quote(username)}.`);
    const password = passwordText(str('password'));
    const badPassword = passwordProblem(`${where}.password`, password);
    if (badPassword) problems.push(badPassword);
    const settings: RegistrySettings = {
      host,
      username,
      password,
      // An entry that turns verification off itself does not take the top-level CA: only its own ca-cert contradicts.
      caCert:
        entry['ca-cert'] !== undefined
          ? readPemOrPath(`${where}.ca-cert`, str('ca-cert').trim(), cwd, problems)
          : skipTlsVerify || insecureRegistry
            ? ''
            : inherited.caCert,
      skipTlsVerify,
      insecureRegistry,
    };
    if ((settings.username === '') !== (settings.password === '')) {
      problems.push(`Input ${where} must have both "username" and "password", or neither.`);
    }
    checkTlsContradictions(`${where}.`, settings, problems);
    if (host !== '' && result.some((r) => r.host === host))
      problems.push(`Input ${where} names ${host} a second time.`);
    result.push(settings);
  });
  return result;
}

/** `registry` of a list entry as host[:port]: no scheme, no path; Docker Hub's aliases become docker.io. */
function registryEntryHost(value: string, where: string, problems: string[]): string {
  const host = value.trim().toLowerCase();
  if (host === '') {
    problems.push(`Input ${where}.registry is required: host[:port] of the registry.`);
  } else if (/^[a-z]+:\/\//.test(host)) {
    problems.push(
      `Input ${where}.registry must be host[:port] without a scheme: use ${quote(host.replace(/^[a-z]+:\/\//, '').replace(/\/.*$/, ''))}.`,
    );
  } else if (!/^(\[[0-9a-f:.]+\]|[a-z0-9]([a-z0-9.-]*[a-z0-9])?)(:\d{1,5})?$/.test(host)) {
    problems.push(`Input ${where}.registry must be host[:port] (e.g. registry.example.com:5000), not ${quote(value)}.`);
  }
  return normalizeRegistryHost(host);
}

/**
 * What a registry takes of the top-level `ca-cert`, `skip-tls-verify` and `insecure-registry`: all of it, except
 * Docker Hub, which is HTTPS with a public certificate whatever a private registry beside it needs.
 */
function topLevelTls(
  host: string,
  defaults: RegistrySettings,
): Pick<RegistrySettings, 'caCert' | 'skipTlsVerify' | 'insecureRegistry'> {
  if (host === DOCKER_HUB) return { caCert: '', skipTlsVerify: false, insecureRegistry: false };
  return {
    caCert: defaults.caCert,
    skipTlsVerify: defaults.skipTlsVerify,
    insecureRegistry: defaults.insecureRegistry,
  };
}

/** The TLS settings that cannot hold together, explained rather than one silently winning. */
function checkTlsContradictions(
  prefix: string,
  s: Pick<RegistrySettings, 'caCert' | 'skipTlsVerify' | 'insecureRegistry'>,
  problems: string[],
): void {
  if (s.caCert !== '' && s.skipTlsVerify) {
    problems.push(
      `Inputs "${prefix}ca-cert" and "${prefix}skip-tls-verify" contradict each other: with the CA the certificate can be verified, so drop skip-tls-verify.`,
    );
  }
  if (s.caCert !== '' && s.insecureRegistry) {
    problems.push(
      `Inputs "${prefix}ca-cert" and "${prefix}insecure-registry" contradict each other: a plain-HTTP registry has no certificate; drop one of them.`,
    );
  }
}

/**
 * PEM text as given, or the text of the file the value names ('' stays ''): a regular file of at most
 * MAX_INPUT_FILE_BYTES, read without blocking, so that `/dev/zero`, a FIFO or a huge file is an input error, not a
 * hung step.
 */
function readPemOrPath(name: string, value: string, cwd: string, problems: string[], label = 'CERTIFICATE'): string {
  if (value === '' || value.includes('-----BEGIN')) return value;
  if (hasLineBreak(value)) {
    problems.push(`Input "${name}" is neither PEM text (-----BEGIN ${label}-----) nor a path: ${shownValue(value)}.`);
    return '';
  }
  const read = readBoundedFile(path.resolve(cwd, value), MAX_INPUT_FILE_BYTES);
  if (read.ok) return read.text;
  problems.push(
    `Input "${name}" is neither PEM text (-----BEGIN ${label}-----) nor a readable file: ${shownValue(value)} (${read.why}).`,
  );
  return '';
}

/**
 * What is wrong with `kube-config-base64`, or undefined: too large, not base64, or not a kubeconfig once decoded
 * (YAML or JSON holding a mapping). Says where the decoded text is wrong, never what it says: it holds credentials.
 */
function checkKubeconfig(base64: string): string | undefined {
  if (base64 === '') return undefined;
  const bytes = Buffer.byteLength(base64, 'utf8');
  if (bytes > MAX_SECRET_INPUT_BYTES) {
    return `Input "kube-config-base64" is ${sizeText(bytes)}, more than the ${sizeText(MAX_SECRET_INPUT_BYTES)} it may have: check that the right secret is passed.`;
  }
  if (!isBase64(base64)) {
    return 'Input "kube-config-base64" is not base64: encode the kubeconfig with `base64 -w0 ~/.kube/config`.';
  }
  let doc: unknown;
  try {
    doc = yaml.load(Buffer.from(base64, 'base64').toString('utf8'), { schema: yaml.FAILSAFE_SCHEMA });
  } catch (err) {
    return `Input "kube-config-base64" does not decode to a kubeconfig: the decoded text is not valid YAML ${yamlErrorWhere(err)}. Encode the kubeconfig file itself with \`base64 -w0 ~/.kube/config\`.`;
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    return 'Input "kube-config-base64" does not decode to a kubeconfig (a YAML mapping with clusters, users and contexts): encode the kubeconfig file itself with `base64 -w0 ~/.kube/config`.';
  }
  return undefined;
}

/**
 * An http(s) URL that the download URLs can be built on and logged: no query or fragment, and no brackets, blanks or
 * control characters in it (outside an IPv6 host), which would also let a `##[` reach the log.
 */
function isBaseUrl(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  const afterHost = value.slice(value.indexOf(url.host) + url.host.length);
  return (
    /^https?:$/.test(url.protocol) &&
    url.host !== '' &&
    url.search === '' &&
    url.hash === '' &&
    // eslint-disable-next-line no-control-regex
    !/[\s[\]\u0000-\u001f\u007f#?]/.test(afterHost)
  );
}

function isBase64(value: string): boolean {
  return /^[A-Za-z0-9+/\s]+={0,2}$/.test(value) && Buffer.from(value, 'base64').length > 0;
}

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}
