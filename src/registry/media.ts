import { createHash } from 'node:crypto';

/** The four manifest media types a registry may serve for an image. */
export const MEDIA_TYPES = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
} as const;

/**
 * The `Accept` header for manifest GETs. All four types, always: Distribution 2.8 hides an OCI manifest when its type
 * is not named, and converts Docker schema2 to schema1 (a different digest) when its type is not named.
 */
export const MANIFEST_ACCEPT = [
  MEDIA_TYPES.ociIndex,
  MEDIA_TYPES.ociManifest,
  MEDIA_TYPES.dockerList,
  MEDIA_TYPES.dockerManifest,
].join(', ');

/** One manifest an index or list points at, with its platform as `os/arch[/variant]` ('' when none is given). */
export interface ManifestChild {
  digest: string;
  mediaType: string;
  platform: string;
}

/** What verification needs from a manifest body: an index's children, or an image's config and layer blobs. */
export type ParsedManifest =
  | { kind: 'index'; mediaType: string; children: ManifestChild[] }
  | { kind: 'image'; mediaType: string; config: string; layers: string[] };

interface Descriptor {
  mediaType?: string;
  digest?: string;
  platform?: { os?: string; architecture?: string; variant?: string };
}

/** `sha256:<hex>` of the given bytes, the form registries use for content digests. */
export function sha256Digest(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** Whether `s` is a well-formed content digest (`algorithm:hex`, sha256 or sha512). */
export function isDigest(s: string): boolean {
  return /^sha256:[a-f0-9]{64}$/.test(s) || /^sha512:[a-f0-9]{128}$/.test(s);
}

/** `os/arch[/variant]` of a descriptor's platform ('' when it has none). */
export function formatPlatform(p: Descriptor['platform']): string {
  if (!p?.os || !p.architecture) return '';
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

/**
 * Parse a manifest body. The kind comes from `contentType` (the registry's answer) or, failing that, the body's own
 * `mediaType`; a body without `manifests` or `config` is rejected with an Error that says what was missing.
 */
export function parseManifest(body: Buffer | string, contentType = ''): ParsedManifest {
  const doc = JSON.parse(body.toString()) as {
    mediaType?: string;
    manifests?: Descriptor[];
    config?: Descriptor;
    layers?: Descriptor[];
  };
  const mediaType = contentType.split(';')[0]?.trim() || doc.mediaType || '';
  const isIndex =
    mediaType === MEDIA_TYPES.ociIndex || mediaType === MEDIA_TYPES.dockerList || (!mediaType && !!doc.manifests);
  if (isIndex) {
    if (!Array.isArray(doc.manifests)) throw new Error(`the ${mediaType || 'index'} has no "manifests" list`);
    const children = doc.manifests.map((m) => ({
      digest: requireDigest(m, 'a child manifest'),
      mediaType: m.mediaType ?? '',
      platform: formatPlatform(m.platform),
    }));
    return { kind: 'index', mediaType, children };
  }
  if (!doc.config) throw new Error(`the ${mediaType || 'manifest'} has no "config" (not an image manifest)`);
  return {
    kind: 'image',
    mediaType,
    config: requireDigest(doc.config, 'the config'),
    layers: (doc.layers ?? []).map((l) => requireDigest(l, 'a layer')),
  };
}

function requireDigest(d: Descriptor, what: string): string {
  if (typeof d.digest !== 'string' || !isDigest(d.digest)) {
    throw new Error(`${what} has no valid digest (${JSON.stringify(d.digest)})`);
  }
  return d.digest;
}
