/** Docker Hub under its many names: users write one, its API answers at another, docker config keys a third. */
export const DOCKER_HUB = 'docker.io';
/** Where Docker Hub's registry API (and its TLS certificate) lives. */
export const DOCKER_HUB_API = 'registry-1.docker.io';
/** The key docker, werf and go-containerregistry all read Docker Hub's credentials under. */
export const DOCKER_HUB_CONFIG_KEY = 'https://index.docker.io/v1/';
const ALIASES = [DOCKER_HUB, 'index.docker.io', DOCKER_HUB_API, 'registry.hub.docker.com'];

/** host[:port] as the action compares hosts: lower case, every Docker Hub alias as docker.io. */
export function normalizeRegistryHost(host: string): string {
  const h = host.trim().toLowerCase();
  return ALIASES.includes(h) ? DOCKER_HUB : h;
}

/** The host that answers the registry API for host[:port]: Docker Hub's API host, or the host itself. */
export function apiHost(host: string): string {
  return normalizeRegistryHost(host) === DOCKER_HUB ? DOCKER_HUB_API : host;
}
