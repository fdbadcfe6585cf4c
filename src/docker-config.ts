import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { DOCKER_HUB_CONFIG_KEY as DOCKER_HUB_KEY } from './registry/docker-hub.js';

// The job's own docker config (config.json in the folder login makes): the Docker Hub keys the login adds and the
// logout takes out again. Shared by the main step's login and the post step's logout, so it loads nothing else.

export { DOCKER_HUB_KEY };
/** Where `werf cr login` stores Docker Hub's entry: the host of the address it logs in to, `https://index.docker.io/v1/`. */
export const WERF_HUB_KEY = 'index.docker.io';

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

// Written whole to a temporary file, then renamed over config.json, so that no reader sees half a file.
async function writeConfig(dockerConfig: string, config: DockerConfig): Promise<void> {
  const file = path.join(dockerConfig, 'config.json');
  const temporary = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  await fs.writeFile(temporary, JSON.stringify(config, null, '\t'), { mode: 0o600 });
  await fs.rename(temporary, file);
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
