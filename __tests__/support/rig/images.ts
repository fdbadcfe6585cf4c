import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { getManifest, MANIFEST_TYPES, registryRequest } from './client.js';
import { runToolOk } from './processes.js';
import type { Registry } from './registry.js';
import { skopeoArgsFor, skopeoCopy } from './skopeo.js';
import { makeTempDir, removeTempDir } from './tmp.js';

/** One image the rig pushed: where it is, what the registry serves for it, and every config and layer it names. */
export interface SeededImage {
  ref: string; // 'HOST/REPO:TAG'
  digest: string; // of the manifest or index as served
  mediaType: string;
  platforms: string[]; // 'linux/amd64', 'linux/arm64/v8'
  blobs: string[]; // config and layer digests of every platform, no duplicates
  manifests: string[]; // child manifest digests of an index/list; [] for a single manifest
}

export type SeededKind = 'oci' | 'ociIndex' | 'docker' | 'dockerList';

const sha256 = (data: Buffer | string) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

/**
 * Writes a deterministic OCI layout (same digests every run) into `dir`, like make_oci_layout in the testbed recipe:
 * tag '1' is an OCI manifest for linux/amd64, tag 'multi' an OCI index of linux/amd64 and linux/arm64/v8; each
 * image is one gzip layer holding hello.txt and a small config.
 */
export async function buildOciLayout(dir: string): Promise<void> {
  const blobs = join(dir, 'blobs/sha256');
  await mkdir(blobs, { recursive: true });
  const put = async (data: Buffer | string) => {
    const digest = sha256(data);
    await writeFile(join(blobs, digest.slice(7)), data);
    return { digest, size: Buffer.byteLength(data) };
  };
  const image = async (arch: string) => {
    const src = join(dir, `src-${arch}`);
    await mkdir(src);
    await writeFile(join(src, 'hello.txt'), `hello from ${arch}\n`);
    const tarPath = join(dir, `${arch}.tar`);
    const tarFlags = ['--sort=name', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner'];
    await runToolOk('tar', [...tarFlags, '-C', src, '-cf', tarPath, 'hello.txt']);
    const tar = await readFile(tarPath);
    const layer = await put(gzipSync(tar)); // zlib writes mtime 0: deterministic
    const config = await put(
      JSON.stringify({
        architecture: arch,
        os: 'linux',
        config: { Cmd: ['/hello.txt'] },
        rootfs: { type: 'layers', diff_ids: [sha256(tar)] },
        history: [{ created_by: 'rig buildOciLayout' }],
      }),
    );
    const manifest = {
      schemaVersion: 2,
      mediaType: MANIFEST_TYPES.oci,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...layer }],
    };
    return { mediaType: MANIFEST_TYPES.oci, ...(await put(JSON.stringify(manifest))) };
  };
  const amd64 = await image('amd64');
  const arm64 = await image('arm64');
  const index = await put(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MANIFEST_TYPES.ociIndex,
      manifests: [
        { ...amd64, platform: { architecture: 'amd64', os: 'linux' } },
        { ...arm64, platform: { architecture: 'arm64', os: 'linux', variant: 'v8' } },
      ],
    }),
  );
  const ref = (name: string) => ({ annotations: { 'org.opencontainers.image.ref.name': name } });
  await writeFile(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  await writeFile(
    join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        { ...amd64, ...ref('1') },
        { mediaType: MANIFEST_TYPES.ociIndex, ...index, ...ref('multi') },
      ],
    }),
  );
}

/** Reads back what the registry serves for repo:tag: digest, media type, platforms, child manifests and blobs. */
export async function describeImage(reg: Registry, repo: string, tag: string): Promise<SeededImage> {
  const top = await getManifest(reg, repo, tag);
  const children = top.json.manifests ?? [];
  const singles = children.length ? await Promise.all(children.map((m) => getManifest(reg, repo, m.digest))) : [top];
  const platform = (p?: { os: string; architecture: string; variant?: string }) =>
    p ? [p.os, p.architecture, p.variant].filter(Boolean).join('/') : '';
  const configs = await Promise.all(
    singles.map(async (m) => JSON.parse((await fetchBlob(reg, repo, m.json.config!.digest)).toString())),
  );
  return {
    ref: `${reg.host}/${repo}:${tag}`,
    digest: top.digest,
    mediaType: top.mediaType,
    platforms: children.length
      ? children.map((m) => platform(m.platform))
      : configs.map((c) => platform({ os: c.os, architecture: c.architecture, variant: c.variant })),
    blobs: [...new Set(singles.flatMap((m) => [m.json.config!.digest, ...m.json.layers!.map((l) => l.digest)]))],
    manifests: children.map((m) => m.digest),
  };
}

async function fetchBlob(reg: Registry, repo: string, digest: string): Promise<Buffer> {
  const res = await registryRequest(reg, `/v2/${repo}/blobs/${digest}`, { scopes: [`repository:${repo}:pull`] });
  if (res.status !== 200) throw new Error(`GET blob ${digest} from ${reg.host}/${repo}: ${res.status}`);
  return res.body;
}

const KINDS: Record<SeededKind, { tag: string; source: string; flags: string[] }> = {
  oci: { tag: '1', source: '1', flags: [] },
  ociIndex: { tag: 'multi', source: 'multi', flags: ['--all'] },
  docker: { tag: 'docker1', source: '1', flags: ['--format', 'v2s2'] },
  dockerList: { tag: 'dockermulti', source: 'multi', flags: ['--all', '--format', 'v2s2'] },
};

/**
 * Pushes the four kinds of image into `reg`/`repo` (default 'demo') with skopeo from a fresh deterministic OCI
 * layout: `oci` (tag 1), `ociIndex` (tag multi, amd64 + arm64/v8), `docker` (tag docker1, schema2) and
 * `dockerList` (tag dockermulti, manifest list), then reads each back from the registry.
 */
export async function seedImages(reg: Registry, repo = 'demo'): Promise<Record<SeededKind, SeededImage>> {
  const layout = await makeTempDir('oci');
  try {
    await buildOciLayout(layout);
    const kinds = Object.keys(KINDS) as SeededKind[];
    // One after another: parallel pushes of the same blobs into one repository race in Distribution's upload.
    for (const kind of kinds) {
      const { tag, source, flags } = KINDS[kind];
      await skopeoCopy(`oci:${layout}:${source}`, `docker://${reg.host}/${repo}:${tag}`, [
        ...flags,
        ...skopeoArgsFor(reg, 'dest', repo),
      ]);
    }
    const described = await Promise.all(kinds.map((k) => describeImage(reg, repo, KINDS[k].tag)));
    const result = Object.fromEntries(kinds.map((k, i) => [k, described[i]!])) as Record<SeededKind, SeededImage>;
    for (const k of kinds) {
      if (result[k].mediaType !== MANIFEST_TYPES[k]) throw new Error(`${k} served as ${result[k].mediaType}`);
    }
    return result;
  } finally {
    await removeTempDir(layout);
  }
}
