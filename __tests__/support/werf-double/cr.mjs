// `werf cr login` / `werf cr logout` of the double: werf's flags and errors, a real credential check against the
// registry the way docker's registry library logs in (ping /v2/, answer the Basic or Bearer challenge), Go trust.
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { DOCKER_CONFIG_FLAG, LOG_FLAGS, WerfError, parseFlags } from './cli.mjs';
import { dockerConfigDir, eraseCredentials, storeCredentials } from './docker-config.mjs';
import { dockerHostRoots, goGet, goSystemRoots } from './go-tls.mjs';

// What `werf cr login` / `cr logout` take without REGISTRY. The entry is stored and erased under its host,
// `index.docker.io` (cmd/werf/cr/login, cmd/werf/cr/logout: urlx.Parse(registry).Host).
const DOCKER_HUB = 'https://index.docker.io/v1/';
// docker's registry service answers Docker Hub's logins at registry-1.docker.io; WERF_DOUBLE_DOCKER_HUB (host:port)
// stands in for it in tests (no test reaches the real Docker Hub).
const dockerHubApi = () => process.env.WERF_DOUBLE_DOCKER_HUB || 'registry-1.docker.io';

const LOGIN_FLAGS = {
  username: { type: 'string', short: 'u', env: 'WERF_USERNAME' },
  password: { type: 'string', short: 'p', env: 'WERF_PASSWORD' },
  'password-stdin': { type: 'bool', env: 'WERF_PASSWORD_STDIN' },
  'insecure-registry': { type: 'bool', env: 'WERF_INSECURE_REGISTRY' },
  'docker-config': DOCKER_CONFIG_FLAG,
  ...LOG_FLAGS,
};

/** goware/urlx.Parse(...).Host: the scheme defaults to http, the path is dropped, the host is lowercased. */
export function registryHost(registry) {
  try {
    const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(registry) ? registry : `http://${registry}`;
    return new URL(withScheme).host.toLowerCase();
  } catch {
    throw new WerfError(`unable to parse "${registry}": invalid URL`);
  }
}

function parseChallenge(header) {
  const m = /^\s*(\w+)\s*(.*)$/.exec(header ?? '');
  if (!m) return null;
  const params = {};
  for (const p of m[2].matchAll(/(\w+)="([^"]*)"/g)) params[p[1].toLowerCase()] = p[2];
  return { scheme: m[1].toLowerCase(), params };
}

// docker's loginV2 against one endpoint: throws Error(text) as docker words it.
async function loginV2(base, username, password, trust) {
  const v2 = `${base}/v2/`;
  const ping = await goGet(v2, trust);
  if (ping.status === 200) return;
  const challenge = ping.status === 401 ? parseChallenge(ping.headers['www-authenticate']) : null;
  const basic = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  let authorization;
  if (challenge?.scheme === 'basic') authorization = basic;
  else if (challenge?.scheme === 'bearer' && challenge.params.realm) {
    const realm = new URL(challenge.params.realm);
    if (challenge.params.service) realm.searchParams.set('service', challenge.params.service);
    realm.searchParams.set('account', username);
    const res = await goGet(realm.href, { ...trust, headers: { Authorization: basic } });
    if (res.status !== 200) {
      let detail = 'authentication required';
      try {
        detail = JSON.parse(res.body.toString()).errors?.[0]?.message || detail;
      } catch {
        // not a registry error document
      }
      throw new Error(`Get "${v2}": unauthorized: ${detail}`);
    }
    const doc = JSON.parse(res.body.toString() || '{}');
    authorization = `Bearer ${doc.token || doc.access_token || ''}`;
  } else throw new Error(`login attempt to ${v2} failed with status: ${ping.status} ${statusText(ping.status)}`);
  const res = await goGet(v2, { ...trust, headers: { Authorization: authorization } });
  if (res.status !== 200)
    throw new Error(`login attempt to ${v2} failed with status: ${res.status} ${statusText(res.status)}`);
}

const statusText = (s) =>
  ({
    400: 'Bad Request',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'Not Found',
    429: 'Too Many Requests',
    500: 'Internal Server Error',
    502: 'Bad Gateway',
    503: 'Service Unavailable',
  })[s] ?? '';

/** docker registry.Service.Auth: https (verified, or not with --insecure-registry), then plain http if insecure. */
async function checkCredentials(host, username, password, insecure) {
  const base = host === 'index.docker.io' ? dockerHubApi() : host;
  const roots = [...goSystemRoots(), ...dockerHostRoots(host)];
  const endpoints = [{ url: `https://${base}`, trust: { roots, skipVerify: insecure } }];
  if (insecure) endpoints.push({ url: `http://${base}`, trust: {} });
  let last;
  for (const e of endpoints) {
    try {
      return await loginV2(e.url, username, password, e.trust);
    } catch (err) {
      last = err;
      if (/failed with status: 401|unauthorized/.test(err.message)) break; // wrong credentials: no fallback
    }
  }
  throw last;
}

// werf's auth.Auth retries a check whose error says `failed with status: 429` with an exponential backoff for up to
// 5 minutes and gives up on any other error at once. The double keeps the rule with a short budget
// (WERF_DOUBLE_429_RETRY_MS, default 3000) so that a test waits seconds, not minutes.
async function checkWithRetryOn429(host, username, password, insecure) {
  const budgetMs = Number(process.env.WERF_DOUBLE_429_RETRY_MS ?? 3000);
  const started = Date.now();
  for (let waitMs = 100; ; waitMs = Math.min(waitMs * 2, 1000)) {
    try {
      return await checkCredentials(host, username, password, insecure);
    } catch (err) {
      if (!/failed with status: 429/.test(err.message) || Date.now() - started + waitMs > budgetMs) throw err;
      await sleep(waitMs);
    }
  }
}

/** `werf cr login [REGISTRY]`: REGISTRY defaults to Docker Hub; the entry is stored under REGISTRY's host[:port]. */
export async function crLogin(argv, out) {
  const { flags, args } = parseFlags(argv, LOGIN_FLAGS);
  if (args.length > 1)
    throw new WerfError(
      `invalid number of arguments, expected optional registry address: got ${args.length} arguments`,
    );
  const registry = args[0] ?? DOCKER_HUB;
  const host = registryHost(registry);
  if (!flags.username) throw new WerfError('provide --username');
  let password;
  if (flags['password-stdin']) {
    if (flags.password) throw new WerfError('--password and --password-stdin could not be used at the same time');
    password = readFileSync(0, 'utf8'); // taken as it is: a trailing newline is part of the password
  } else if (flags.password) password = flags.password;
  else throw new WerfError('provide --password or --password-stdin');
  try {
    await checkWithRetryOn429(host, flags.username, password, flags['insecure-registry']);
  } catch (err) {
    throw new WerfError(`unable to authenticate into "${registry}": ${err.message}`);
  }
  storeCredentials(dockerConfigDir(flags['docker-config']), host, flags.username, password);
  out('Successful login\n');
}

/**
 * `werf cr logout [REGISTRY]`: erases the entry of REGISTRY's host[:port] (Docker Hub's `index.docker.io` without
 * REGISTRY), as docker's config library erases: a key that is not there is no error. No network.
 */
export async function crLogout(argv, out) {
  const { flags, args } = parseFlags(argv, { 'docker-config': DOCKER_CONFIG_FLAG, ...LOG_FLAGS });
  if (args.length > 1)
    throw new WerfError(
      `invalid number of arguments, expected optional registry address: got ${args.length} arguments`,
    );
  const registry = args[0] ?? DOCKER_HUB;
  const host = registryHost(registry);
  try {
    eraseCredentials(dockerConfigDir(flags['docker-config']), host);
  } catch (err) {
    throw new WerfError(`unable to logout from "${registry}": ${err.message}`);
  }
  out('Successful logout\n');
}
