import { access, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Registry } from './registry.js';

/** Where Distribution's filesystem driver keeps a blob's data: .../blobs/sha256/ab/abcdef.../data. */
export function blobPath(reg: Registry, digest: string): string {
  const [algorithm, hex] = digest.split(':');
  if (!algorithm || !hex) throw new Error(`not a digest: ${digest}`);
  return join(reg.dataDir, 'docker/registry/v2/blobs', algorithm, hex.slice(0, 2), hex);
}

/**
 * Removes a blob's data from the registry's storage behind its back (repository links stay), so a HEAD for it
 * answers 404 while manifests still name it: the "pushed but broken" case. Throws when the blob was not stored.
 */
export async function deleteBlob(reg: Registry, digest: string): Promise<void> {
  const path = blobPath(reg, digest);
  await access(path);
  await rm(path, { recursive: true });
}
