/**
 * The registry client stack (ping -> auth -> retry -> TLS/proxy -> wire) and the pure helpers beside it.
 * Other stages import from here only.
 */
export type { RegistryAccess, RegistryClientOptions, RegistryClient, PingResult, FetchedManifest } from './types.js';
export { createRegistryClient, checkCredentials } from './client.js';
export { DOCKER_HUB, DOCKER_HUB_CONFIG_KEY, apiHost, normalizeRegistryHost } from './docker-hub.js';
export { SYSTEM_BUNDLES, systemRoots, trustedContext, type SystemRoots } from './roots.js';
export { RegistryError, describeTlsError, describeRequestError, faultReason } from './errors.js';
export { parseChallenge, type Challenge } from './challenge.js';
export {
  MEDIA_TYPES,
  MANIFEST_ACCEPT,
  parseManifest,
  sha256Digest,
  isDigest,
  formatPlatform,
  type ParsedManifest,
  type ManifestChild,
} from './media.js';
