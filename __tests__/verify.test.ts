import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  deleteBlob,
  retagTo,
  seedImages,
  startRegistry,
  stopAll,
  type Registry,
  type SeededImage,
  type SeededKind,
} from './support/rig/index.js';
import type { RegistryAccess } from '../src/registry/index.js';
import { accessTo } from './support/inputs.js';
import {
  imagesToVerify,
  verificationFailure,
  verificationFindings,
  verifyImages,
  type ImageCheck,
  type VerifiableImage,
} from '../src/verify.js';

const KINDS = ['oci', 'ociIndex', 'docker', 'dockerList'] as const;

function accessFor(reg: Registry): (host: string) => RegistryAccess {
  return (host) => {
    expect(host).toBe(reg.host);
    return accessTo(reg);
  };
}

/** The build report werf would write for the seeded images (name = kind). */
function reportOf(
  reg: Registry,
  seeded: Partial<Record<SeededKind, SeededImage>>,
  repo = 'demo',
): { images: VerifiableImage[] } {
  return {
    images: Object.entries(seeded).map(([kind, s]) => ({
      name: kind,
      repo: `${reg.host}/${repo}`,
      tag: s.ref.split(':').pop()!,
      digest: s.digest,
      final: true,
      platforms: s.platforms.length === 1 ? s.platforms : [],
    })),
  };
}

describe('pure parts', () => {
  it('verifies final images, or every image when none is final', () => {
    const img = (name: string, final: boolean) => ({ name, repo: 'r/a', tag: 't', digest: '', final });
    expect(imagesToVerify([img('a', true), img('b', false)]).map((i) => i.name)).toEqual(['a']);
    expect(imagesToVerify([img('a', false), img('b', false)]).map((i) => i.name)).toEqual(['a', 'b']);
  });
});

describe('the failure line tells proof from faults', () => {
  const missing: ImageCheck = {
    verdict: 'not-in-registry',
    label: 'api (r/a:1)',
    detail: 'the layer blob b is missing',
  };
  const busy: ImageCheck = {
    verdict: 'unchecked',
    reason: 'registry busy',
    label: 'web (r/w:1)',
    detail: 'answered 503',
  };
  const hung: ImageCheck = { verdict: 'unchecked', reason: 'no answer', label: 'db (r/d:1)', detail: 'no answer came' };
  const ok: ImageCheck = { verdict: 'verified' };

  it('every image verified: no failure', () => {
    expect(verificationFailure({ a: ok, b: ok })).toBeUndefined();
    expect(verificationFailure({})).toBeUndefined();
  });

  it('only faults: "could not be checked" with the reasons, never "not in the registry"', () => {
    const line = verificationFailure({ web: busy, db: hung, a: ok });
    expect(line).toBe(
      '2 of 3 images could not be checked in the registry (registry busy, no answer), so the push is not verified (nothing proves an image missing); run the job again when the registry answers. db (r/d:1): no answer came',
    );
  });

  it('a proof and faults: the proof leads, the faults are counted', () => {
    expect(verificationFailure({ web: busy, api: missing })).toBe(
      '1 of 2 images is not in the registry as werf reported, and 1 could not be checked (registry busy). api (r/a:1): the layer blob b is missing',
    );
  });
});

describe('the annotations group identical findings', () => {
  const busy = (name: string): ImageCheck => ({
    verdict: 'unchecked',
    reason: 'registry busy',
    label: `${name} (r/${name}:1, sha256:1)`,
    detail: `the manifest of tag 1 could not be checked in r/${name}: GET /v2/${name}/manifests/1 answered 503`,
  });

  it('fifty images the registry was too busy to answer about are one annotation that counts them', () => {
    const names = Array.from({ length: 50 }, (_, i) => `image-${String(i + 1).padStart(2, '0')}`);
    const checks = Object.fromEntries(names.reverse().map((n) => [n, busy(n)]));
    expect(verificationFindings(checks)).toEqual([
      `50 of 50 images (image-01, image-02, image-03, image-04, image-05 and 45 more): image-01 (r/image-01:1, sha256:1): could not be checked (registry busy): ${busy('image-01').detail}`,
    ]);
  });

  it('different verdicts stay apart; an image alone is told by its label; verified images only count', () => {
    const missing: ImageCheck = {
      verdict: 'not-in-registry',
      label: 'api (r/a:1)',
      detail: 'the layer blob b is missing',
    };
    expect(
      verificationFindings({ web: busy('web'), api: missing, db: busy('db'), ok: { verdict: 'verified' } }),
    ).toEqual([
      'api (r/a:1): not in the registry as werf reported: the layer blob b is missing',
      `2 of 4 images (db, web): db (r/db:1, sha256:1): could not be checked (registry busy): ${busy('db').detail}`,
    ]);
  });
});

describe('against the real registry', () => {
  let tlsBasic: Registry;
  let token: Registry;
  let seeded: Record<SeededKind, SeededImage>;
  let seededTwice: Array<Record<SeededKind, SeededImage>>;

  beforeAll(async () => {
    [tlsBasic, token] = await Promise.all([
      startRegistry({ tls: true, auth: 'basic' }),
      startRegistry({ tls: false, auth: 'token' }),
    ]);
    seeded = await seedImages(tlsBasic);
    seededTwice = [await seedImages(token, 'one'), await seedImages(token, 'two')];
  }, 120_000);

  afterAll(async () => {
    await stopAll();
  });

  it('basic auth over TLS: all four media types, index children and platforms, with the minimum of requests', async () => {
    const r = await verifyImages(reportOf(tlsBasic, seeded), accessFor(tlsBasic));
    expect(r.problems).toEqual([]);
    expect(r.verified).toBe(true);
    for (const kind of KINDS) {
      const repo = `${tlsBasic.host}/demo`;
      expect(r.images[kind]).toEqual({
        image: `${repo}:${seeded[kind].ref.split(':').pop()}`,
        digest: seeded[kind].digest,
        ref: `${repo}@${seeded[kind].digest}`,
        platforms: seeded[kind].platforms,
      });
    }
    expect(r.images.ociIndex!.platforms).toEqual(['linux/amd64', 'linux/arm64/v8']);
    const children = seeded.ociIndex.manifests.length + seeded.dockerList.manifests.length;
    const blobs = new Set(KINDS.flatMap((k) => seeded[k].blobs)).size;
    expect(r.requests).toBe(1 + KINDS.length + children + blobs); // ping + manifests + distinct blobs, no more
  });

  it('the platforms output is what the registry names (image config, index), even where the report says otherwise', async () => {
    const report = reportOf(tlsBasic, { docker: seeded.docker, dockerList: seeded.dockerList });
    // A report that says otherwise than the image config and the index: the registry wins.
    const claimed = report.images.map((img) => ({ ...img, platforms: ['linux/s390x'] }));
    const r = await verifyImages({ images: claimed }, accessFor(tlsBasic));
    expect(r.problems).toEqual([]);
    expect(r.images.docker!.platforms).toEqual(seeded.docker.platforms);
    expect(r.images.dockerList!.platforms).toEqual(seeded.dockerList.platforms);
    expect(seeded.docker.platforms).not.toEqual(['linux/s390x']);
  });

  it('token auth: one token per repository; the same blob is checked in each repository, once', async () => {
    const images = seededTwice.flatMap((s, i) =>
      reportOf(token, s, ['one', 'two'][i]).images.map((img) => ({ ...img, name: `${img.name}-${i}` })),
    );
    const before = token.tokenIssuer!.requests();
    const r = await verifyImages({ images }, accessFor(token));
    expect(r.problems).toEqual([]);
    expect(Object.keys(r.images)).toHaveLength(8);
    expect(token.tokenIssuer!.requests() - before).toBe(2);
    const perRepo = (s: Record<SeededKind, SeededImage>) =>
      KINDS.length +
      s.ociIndex.manifests.length +
      s.dockerList.manifests.length +
      new Set(KINDS.flatMap((k) => s[k].blobs)).size;
    expect(r.requests).toBe(1 + 2 + perRepo(seededTwice[0]!) + perRepo(seededTwice[1]!));
  });

  it('a blob removed from storage: fails naming the blob, the image, the digest and the repository', async () => {
    const reg = await startRegistry({ tls: false, auth: 'none' });
    try {
      const s = await seedImages(reg, 'broken');
      const layer = s.oci.blobs.find((b) => b !== s.oci.blobs[0])!; // blobs[0] is the config
      await deleteBlob(reg, layer);
      const r = await verifyImages(reportOf(reg, { oci: s.oci }, 'broken'), accessFor(reg));
      expect(r.verified).toBe(false);
      expect(r.problems).toEqual([
        `Image oci (${reg.host}/broken:1, ${s.oci.digest}): not in the registry as werf reported: the layer blob ${layer} of manifest ${s.oci.digest} is missing from ${reg.host}/broken: HEAD ${reg.url}/v2/broken/blobs/${layer} answered 404: BLOB_UNKNOWN (blob unknown to registry)`,
      ]);
      expect(r.checks.oci).toMatchObject({ verdict: 'not-in-registry' });
      expect(verificationFailure(r.checks)).toBe(
        `1 of 1 image is not in the registry as werf reported. oci (${reg.host}/broken:1, ${s.oci.digest}): the layer blob ${layer} of manifest ${s.oci.digest} is missing from ${reg.host}/broken: HEAD ${reg.url}/v2/broken/blobs/${layer} answered 404: BLOB_UNKNOWN (blob unknown to registry)`,
      );
    } finally {
      await reg.stop();
    }
  });

  it('a tag moved to another digest, or gone: fails saying so', async () => {
    const reg = await startRegistry({ tls: false, auth: 'none' });
    try {
      const s = await seedImages(reg, 'moved');
      await retagTo(reg, 'moved', '1', s.ociIndex.digest);
      const report = reportOf(reg, { oci: s.oci }, 'moved');
      report.images.push({ ...report.images[0]!, name: 'gone', tag: 'no-such-tag' });
      const r = await verifyImages(report, accessFor(reg));
      expect(r.verified).toBe(false);
      expect(r.problems).toHaveLength(2);
      expect(r.problems[1]).toBe(
        `Image oci (${reg.host}/moved:1, ${s.oci.digest}): not in the registry as werf reported: the tag 1 in ${reg.host}/moved now points at ${s.ociIndex.digest}, not at ${s.oci.digest} that werf pushed`,
      );
      expect(r.problems[0]).toMatch(
        /^Image gone .*: not in the registry as werf reported: the manifest of tag no-such-tag is missing from .*: GET .*\/v2\/moved\/manifests\/no-such-tag answered 404: MANIFEST_UNKNOWN/,
      );
      expect(r.checks).toEqual({
        oci: expect.objectContaining({ verdict: 'not-in-registry' }),
        gone: expect.objectContaining({ verdict: 'not-in-registry' }),
      });
      expect(verificationFailure(r.checks)).toMatch(/^2 of 2 images are not in the registry as werf reported\. gone /);
    } finally {
      await reg.stop();
    }
  });
});
