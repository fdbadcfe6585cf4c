/** The real-registry test rig: PKI, registries, token issuer, seeded images, containerd. Import from here. */
export { makeCa, issueServerCert, type TestCa, type ServerCert, type Validity } from './pki.js';
export { startRegistry, type Registry, type RegistryOptions } from './registry.js';
export { libtrustKeyId, parseScopes, type TokenIssuer } from './token-issuer.js';
export { seedImages, buildOciLayout, describeImage, type SeededImage, type SeededKind } from './images.js';
export { skopeoCopy, skopeoArgsFor, retagTo } from './skopeo.js';
export { deleteBlob, blobPath } from './storage.js';
export {
  ACCEPT_ALL_MANIFESTS,
  MANIFEST_TYPES,
  authorizationFor,
  getManifest,
  registryRequest,
  type FetchedManifest,
  type RegistryAnswer,
} from './client.js';
export { startContainerd, writeHostsToml, type Containerd } from './containerd.js';
export { freePort, isListening } from './ports.js';
export { runTool, runToolOk, type ToolResult } from './processes.js';
export { makeTempDir, removeTempDir } from './tmp.js';
export { stopAll } from './lifecycle.js';
export { startTestHost, type TestHost } from './test-host.js';
export { startDockerd, type Dockerd } from './dockerd.js';
