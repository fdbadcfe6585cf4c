import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { DOCKER_HUB, DOCKER_HUB_API, DOCKER_HUB_CONFIG_KEY as DOCKER_HUB_KEY } from './registry/docker-hub.js';
import { recordCleanup } from './state.js';
import { replaceFile } from './system/files.js';

// The job's own docker config (config.json in the folder login makes from the runner's): the folder itself, and the
// Docker Hub keys the login adds and the logout takes out again. Shared by the main step's login and the post step's
// logout, so it loads little else.

export { DOCKER_HUB_KEY };
/** Where `werf cr login` stores Docker Hub's entry: the host of the address it logs in to, `https://index.docker.io/v1/`. */
export const WERF_HUB_KEY = 'index.docker.io';

// Every name a Docker Hub entry can have in a config.json: a credential helper of the runner's for any of them would
// keep our password out of our config dir.
const HUB_KEYS = [DOCKER_HUB_KEY, WERF_HUB_KEY, DOCKER_HUB, DOCKER_HUB_API];

type DockerConfig = { auths?: Record<string, unknown>; [key: string]: unknown };

/**
 * Pure: the config with werf's Docker Hub entry (`index.docker.io`) also under DOCKER_HUB_KEY, the key docker and
 * go-containerregistry (and so werf's own registry client) look Docker Hub up under. The entry werf just stored wins
 * over one the runner's config brought along.
 */
export function withHubKey(config: DockerConfig): DockerConfig {
  const entry = config.auths?.[WERF_HUB_KEY];
  return entry === undefined ? config : { ...config, auths: { ...config.auths, [DOCKER_HUB_KEY]: entry } };
}

/** Pure: the config without the Docker Hub key the action added (werf's own key is werf's to erase). */
export function withoutHubKey(config: DockerConfig): DockerConfig {
  if (config.auths?.[DOCKER_HUB_KEY] === undefined) return config;
  const auths = { ...config.auths };
  delete auths[DOCKER_HUB_KEY];
  return { ...config, auths };
}

async function readConfig(dockerConfig: string): Promise<DockerConfig> {
  return JSON.parse(await fs.readFile(path.join(dockerConfig, 'config.json'), 'utf8')) as DockerConfig;
}

// Replaced whole (src/system/files.ts), so that no reader sees half a file; private to this user.
async function writeConfig(dockerConfig: string, config: DockerConfig): Promise<void> {
  await replaceFile(path.join(dockerConfig, 'config.json'), JSON.stringify(config, null, '\t'), 0o600);
}

/** Copies werf's Docker Hub entry to DOCKER_HUB_KEY in the job's docker config (see withHubKey). */
export async function addHubKeyForOtherTools(dockerConfig: string): Promise<void> {
  await writeConfig(dockerConfig, withHubKey(await readConfig(dockerConfig)));
}

/** Takes the key addHubKeyForOtherTools added out of the job's docker config again (nothing to do without one). */
export async function removeHubKeyForOtherTools(dockerConfig: string): Promise<void> {
  let config: DockerConfig;
  try {
    config = await readConfig(dockerConfig);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return; // no config, no key
    throw err;
  }
  const without = withoutHubKey(config);
  if (without !== config) await writeConfig(dockerConfig, without);
}

/**
 * A fresh private docker config dir for this job. It starts from the runner's config.json (so logins of earlier steps,
 * e.g. for base images, keep working) without its credsStore and without credential helpers for `hosts`, so that werf
 * writes the passwords into this dir only, never into a keychain or helper of the runner.
 */
export async function makeDockerConfigDir(hosts: string[]): Promise<string> {
  const base = process.env.RUNNER_TEMP || os.tmpdir();
  const dir = path.join(base, `werf-ship-docker-config-${randomBytes(4).toString('hex')}`);
  recordCleanup({ kind: 'remove-dir', path: dir, credentials: true });
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const previous = path.join(process.env.DOCKER_CONFIG || path.join(os.homedir(), '.docker'), 'config.json');
  let config: Record<string, unknown> = {};
  try {
    config = JSON.parse(await fs.readFile(previous, 'utf8')) as Record<string, unknown>;
    delete config.credsStore;
    const helpers = config.credHelpers as Record<string, string> | undefined;
    for (const host of hosts.flatMap((h) => (h === DOCKER_HUB ? HUB_KEYS : [h]))) delete helpers?.[host];
  } catch {
    // no (readable) config: start empty
  }
  await writeConfig(dir, config);
  return dir;
}
