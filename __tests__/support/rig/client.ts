import { createHash } from 'node:crypto';
import { request } from 'undici';
import type { Registry } from './registry.js';

/** The four manifest types Distribution 2.8 serves as stored only when Accept names them (testbed README). */
export const MANIFEST_TYPES = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  oci: 'application/vnd.oci.image.manifest.v1+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  docker: 'application/vnd.docker.distribution.manifest.v2+json',
} as const;

/** An Accept header naming all four manifest types. */
export const ACCEPT_ALL_MANIFESTS = Object.values(MANIFEST_TYPES).join(', ');

/**
 * The Authorization header the test client sends to `reg` for `scopes` ('repository:demo:pull'): Basic with the
 * registry's credentials, a Bearer token minted by its issuer, or none for an open registry.
 */
export function authorizationFor(reg: Registry, scopes: string[]): string | undefined {
  if (reg.auth === 'basic') return `Basic ${Buffer.from(`${reg.username}:${reg.password}`).toString('base64')}`;
  if (reg.auth === 'token') return `Bearer ${reg.tokenIssuer!.mint(scopes)}`;
  return undefined;
}

/** One answer from the registry, body read in full. */
export interface RegistryAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/**
 * Sends one request to `reg` (path like '/v2/demo/manifests/1') through its CA-trusting dispatcher, authorized for
 * `scopes` unless `anonymous`. Never throws for an HTTP status; the rig's own tests and seeding use it.
 */
export async function registryRequest(
  reg: Registry,
  path: string,
  o: {
    method?: 'GET' | 'HEAD' | 'DELETE';
    headers?: Record<string, string>;
    scopes?: string[];
    anonymous?: boolean;
  } = {},
): Promise<RegistryAnswer> {
  const headers: Record<string, string> = { ...o.headers };
  const auth = o.anonymous ? undefined : authorizationFor(reg, o.scopes ?? []);
  if (auth) headers.authorization = auth;
  const res = await request(`${reg.url}${path}`, { method: o.method ?? 'GET', headers, dispatcher: reg.dispatcher });
  return { status: res.statusCode, headers: res.headers, body: Buffer.from(await res.body.arrayBuffer()) };
}

/** A manifest as the registry serves it with all four types accepted; digest = sha256 of the bytes served. */
export interface FetchedManifest {
  digest: string;
  mediaType: string;
  body: Buffer;
  json: {
    manifests?: Array<{ digest: string; platform?: { os: string; architecture: string; variant?: string } }>;
    config?: { digest: string };
    layers?: Array<{ digest: string }>;
  };
}

/** Fetches repo:reference (tag or digest) from `reg` with all four manifest types accepted; throws unless 200. */
export async function getManifest(reg: Registry, repo: string, reference: string): Promise<FetchedManifest> {
  const res = await registryRequest(reg, `/v2/${repo}/manifests/${reference}`, {
    headers: { accept: ACCEPT_ALL_MANIFESTS },
    scopes: [`repository:${repo}:pull`],
  });
  if (res.status !== 200) throw new Error(`GET ${repo}:${reference} from ${reg.host}: ${res.status} ${res.body}`);
  return {
    digest: `sha256:${createHash('sha256').update(res.body).digest('hex')}`,
    mediaType: String(res.headers['content-type']),
    body: res.body,
    json: JSON.parse(res.body.toString()),
  };
}
