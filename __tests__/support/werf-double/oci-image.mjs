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

// A one-file ustar archive (mtime 0, root-owned), so the layer bytes depend only on the file's content.
function tarOneFile(name, content) {
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
  const pad = Buffer.alloc((512 - (content.length % 512)) % 512);
  return Buffer.concat([h, content, pad, Buffer.alloc(1024)]);
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
    const tar = tarOneFile('werf-double.txt', Buffer.from(`image ${imageName}\nplatform ${p}\ncontent ${digest}\n`));
    const layer = put(gzipSync(tar, { level: 9 }));
    size += layer.size;
    const config = put(
      Buffer.from(
        JSON.stringify({
          ...plat,
          created: '1970-01-01T00:00:00Z',
          config: { Cmd: ['/werf-double.txt'], Labels: { 'werf-double.image': imageName } },
          rootfs: { type: 'layers', diff_ids: [sha256(tar)] },
          history: [{ created: '1970-01-01T00:00:00Z', created_by: 'werf-double' }],
        }),
      ),
    );
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
