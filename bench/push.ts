/**
 * Pushing images into a rig registry over its HTTP API, for the benchmarks: blob uploads (monolithic POST + PUT) and
 * manifests, authorized the rig's way (Basic, or a Bearer token minted for the repository).
 */
import { request } from 'undici';
import { authorizationFor, type Registry } from '../__tests__/support/rig/index.js';
import { MEDIA_TYPES, sha256Digest } from '../src/registry/index.js';

/** A content descriptor as a manifest names it. */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
}

export const LAYER_TYPE = 'application/vnd.docker.image.rootfs.diff.tar.gzip';
export const CONFIG_TYPE = 'application/vnd.docker.container.image.v1+json';

async function send(reg: Registry, repo: string, path: string, method: 'POST' | 'PUT', body?: Buffer, type?: string) {
  const headers: Record<string, string> = { authorization: authorizationFor(reg, [`repository:${repo}:pull,push`])! };
  if (type) headers['content-type'] = type;
  const res = await request(new URL(path, reg.url), { method, headers, body, dispatcher: reg.dispatcher });
  await res.body.dump();
  if (res.statusCode >= 300) throw new Error(`${method} ${path}: ${res.statusCode}`);
  return String(res.headers.location ?? '');
}

/** Uploads one blob into `repo` and returns its descriptor. */
export async function pushBlob(reg: Registry, repo: string, data: Buffer, mediaType = LAYER_TYPE): Promise<Descriptor> {
  const digest = sha256Digest(data);
  const location = await send(reg, repo, `/v2/${repo}/blobs/uploads/`, 'POST');
  const url = new URL(location, reg.url);
  url.searchParams.set('digest', digest);
  await send(reg, repo, url.pathname + url.search, 'PUT', data, 'application/octet-stream');
  return { mediaType, digest, size: data.length };
}

/**
 * Puts a Docker schema2 manifest (what werf and the Docker daemon push) of `config` and `layers` under `repo:tag`;
 * returns the manifest's digest.
 */
export async function pushManifest(
  reg: Registry,
  repo: string,
  tag: string,
  config: Descriptor,
  layers: Descriptor[],
): Promise<string> {
  const manifest = Buffer.from(
    JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.dockerManifest, config, layers }),
  );
  await send(reg, repo, `/v2/${repo}/manifests/${tag}`, 'PUT', manifest, MEDIA_TYPES.dockerManifest);
  return sha256Digest(manifest);
}

/** Runs `tasks` with at most `limit` of them at once; resolves with their results in order. */
export async function inTurns<T>(limit: number, tasks: Array<() => Promise<T>>): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}
