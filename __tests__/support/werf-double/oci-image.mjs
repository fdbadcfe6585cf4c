// A small deterministic image per werf image and platform, as an OCI layout for skopeo to push. Same werf.yaml +
// image name + platforms -> same bytes -> same digests and the same 56-hex content digest (werf's sha3-224 tag part).
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const sha256 = (b) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** werf's content digest: sha3-224 hex (56 characters) of what the image is built from. */
export function contentDigest(werfYaml, imageName, platforms) {
  return createHash('sha3-224')
    .update(`${werfYaml}\0${imageName}\0${platforms.join(',')}`)
    .digest('hex');
}

/** "linux/arm64/v8" -> {os, architecture, variant?}. */
export function parsePlatform(p) {
  const [os, architecture, variant] = p.split('/');
  return variant ? { os, architecture, variant } : { os, architecture };
}

// A ustar archive of regular files (mtime 0, root-owned), so its bytes depend only on the files' names and contents.
function tarFiles(files) {
  const parts = [];
  for (const { name, content } of files) {
    const h = Buffer.alloc(512);
    const put = (s, off, len) => h.write(s.slice(0, len), off, 'ascii');
    const oct = (n, len) => n.toString(8).padStart(len - 1, '0') + '\0';
    put(name, 0, 100);
    put(oct(0o644, 8), 100, 8);
    put(oct(0, 8), 108, 8);
    put(oct(0, 8), 116, 8);
    put(oct(content.length, 12), 124, 12);
    put(oct(0, 12), 136, 12);
    h.fill(' ', 148, 156);
    put('0', 156, 1);
    put('ustar\0', 257, 6);
    put('00', 263, 2);
    let sum = 0;
    for (const b of h) sum += b;
    put(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8);
    parts.push(h, content, Buffer.alloc((512 - (content.length % 512)) % 512));
  }
  return Buffer.concat([...parts, Buffer.alloc(1024)]);
}

/**
 * The two pieces of one platform's image: its only layer (an uncompressed tar with one small file) and its config
 * (JSON; its sha256 is the image ID a Docker daemon gives the image).
 */
export function imageParts({ imageName, digest, platform }) {
  const plat = parsePlatform(platform);
  const tar = tarFiles([
    {
      name: 'werf-double.txt',
      content: Buffer.from(`image ${imageName}\nplatform ${platform}\ncontent ${digest}\n`),
    },
  ]);
  const config = Buffer.from(
    JSON.stringify({
      ...plat,
      created: '1970-01-01T00:00:00Z',
      config: { Cmd: ['/werf-double.txt'], Labels: { 'werf-double.image': imageName } },
      rootfs: { type: 'layers', diff_ids: [sha256(tar)] },
      history: [{ created: '1970-01-01T00:00:00Z', created_by: 'werf-double' }],
    }),
  );
  return { tar, config };
}

/** A `docker save` archive of one image (what `docker load` reads), tagged `repoTag`. */
export function dockerArchive({ tar, config }, repoTag) {
  const configName = `${sha256(config).slice(7)}.json`;
  const manifest = Buffer.from(JSON.stringify([{ Config: configName, RepoTags: [repoTag], Layers: ['layer.tar'] }]));
  return tarFiles([
    { name: configName, content: config },
    { name: 'layer.tar', content: tar },
    { name: 'manifest.json', content: manifest },
  ]);
}

/**
 * Writes an OCI layout at `dir` with ref `tag`: one image manifest per platform, under an index when several.
 * Returns {ref, imageId (config digest of the first platform), size (sum of layers), byPlatform: {platform:
 * {imageId, size}}}.
 */
export function writeOciLayout(dir, { tag, imageName, digest, platforms }) {
  mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
  const put = (buf) => {
    const d = sha256(buf);
    writeFileSync(join(dir, 'blobs', 'sha256', d.slice(7)), buf);
    return { digest: d, size: buf.length };
  };
  const manifests = [];
  const byPlatform = {};
  let size = 0;
  let imageId = '';
  for (const p of platforms) {
    const plat = parsePlatform(p);
    const parts = imageParts({ imageName, digest, platform: p });
    const layer = put(gzipSync(parts.tar, { level: 9 }));
    size += layer.size;
    const config = put(parts.config);
    if (!imageId) imageId = config.digest;
    byPlatform[p] = { imageId: config.digest, size: layer.size };
    const manifest = put(
      Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
          layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...layer }],
        }),
      ),
    );
    manifests.push({ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest, platform: plat });
  }
  let top = manifests[0];
  if (platforms.length > 1) {
    const index = put(
      Buffer.from(
        JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests }),
      ),
    );
    top = { mediaType: 'application/vnd.oci.image.index.v1+json', ...index };
  }
  const ref = { mediaType: top.mediaType, digest: top.digest, size: top.size };
  writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(
    join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [{ ...ref, annotations: { 'org.opencontainers.image.ref.name': tag } }],
    }),
  );
  return { ref: `oci:${dir}:${tag}`, imageId, size, byPlatform };
}
