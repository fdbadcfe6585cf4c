import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  MANIFEST_ACCEPT,
  MEDIA_TYPES,
  formatPlatform,
  isDigest,
  parseManifest,
  sha256Digest,
} from '../../src/registry/media.js';

const d = (c: string) => `sha256:${c.repeat(64)}`;

describe('media types and digests', () => {
  it('accepts all four manifest types in one header', () => {
    for (const t of Object.values(MEDIA_TYPES)) expect(MANIFEST_ACCEPT).toContain(t);
    expect(MANIFEST_ACCEPT.split(', ')).toHaveLength(4);
  });

  it('hashes bytes as sha256:<hex> and recognises digests', () => {
    expect(sha256Digest('')).toBe('sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    fc.assert(fc.property(fc.uint8Array(), (bytes) => isDigest(sha256Digest(Buffer.from(bytes)))));
    expect(isDigest('sha256:abc')).toBe(false);
    expect(isDigest(d('A'))).toBe(false);
  });

  it('formats platforms with and without variant', () => {
    expect(formatPlatform({ os: 'linux', architecture: 'arm64', variant: 'v8' })).toBe('linux/arm64/v8');
    expect(formatPlatform({ os: 'linux', architecture: 'amd64' })).toBe('linux/amd64');
    expect(formatPlatform(undefined)).toBe('');
  });
});

describe('parseManifest', () => {
  it('reads an OCI index: children with platforms', () => {
    const body = JSON.stringify({
      mediaType: MEDIA_TYPES.ociIndex,
      manifests: [
        { mediaType: MEDIA_TYPES.ociManifest, digest: d('a'), platform: { os: 'linux', architecture: 'amd64' } },
        { mediaType: MEDIA_TYPES.ociManifest, digest: d('b') },
      ],
    });
    expect(parseManifest(body, `${MEDIA_TYPES.ociIndex}; charset=utf-8`)).toEqual({
      kind: 'index',
      mediaType: MEDIA_TYPES.ociIndex,
      children: [
        { digest: d('a'), mediaType: MEDIA_TYPES.ociManifest, platform: 'linux/amd64' },
        { digest: d('b'), mediaType: MEDIA_TYPES.ociManifest, platform: '' },
      ],
    });
  });

  it('reads a Docker schema2 manifest: config and layers', () => {
    const body = JSON.stringify({ config: { digest: d('c') }, layers: [{ digest: d('1') }, { digest: d('2') }] });
    expect(parseManifest(body, MEDIA_TYPES.dockerManifest)).toEqual({
      kind: 'image',
      mediaType: MEDIA_TYPES.dockerManifest,
      config: d('c'),
      layers: [d('1'), d('2')],
    });
  });

  it('falls back to the body mediaType, and to the shape', () => {
    expect(parseManifest(JSON.stringify({ mediaType: MEDIA_TYPES.dockerList, manifests: [] })).kind).toBe('index');
    expect(parseManifest(JSON.stringify({ manifests: [] })).kind).toBe('index');
  });

  it('rejects bodies that are neither, and bad digests, saying what is missing', () => {
    expect(() => parseManifest('{"schemaVersion":1}', 'application/vnd.docker.distribution.manifest.v1+json')).toThrow(
      /no "config"/,
    );
    expect(() => parseManifest(JSON.stringify({ config: { digest: 'sha256:nothex' } }))).toThrow(
      /config has no valid digest/,
    );
    expect(() => parseManifest(JSON.stringify({ mediaType: MEDIA_TYPES.ociIndex }), '')).toThrow(/no "manifests"/);
  });
});
