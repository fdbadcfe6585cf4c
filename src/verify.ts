import {
  RegistryError,
  createRegistryClient,
  formatPlatform,
  parseManifest,
  sha256Digest,
  type RegistryAccess,
  type RegistryClient,
  type RegistryClientOptions,
} from './registry/index.js';
import { parseImageReference } from './reference.js';

/** What verification reads of one build-report image (structurally a subset of src/werf/report.ts ReportImage). */
export interface VerifiableImage {
  name: string;
  repo: string;
  tag: string;
  digest: string;
  final: boolean;
  platforms?: string[];
}

/** One entry of the `images` output. */
export interface ImageOutput {
  image: string;
  digest: string;
  /** `<repo>@<digest>`; '' when werf reported no digest (nothing to pin it by) */
  ref: string;
  platforms: string[];
}

/** The verification stage's result: the `images` and `verified` outputs, each problem as one sentence. */
export interface VerifyResult {
  images: Record<string, ImageOutput>;
  verified: boolean;
  problems: string[];
  /** HTTP requests sent to all registries (for the benchmark and the log). */
  requests: number;
}

/** Options: the client's tuning, plus a bound on the whole stage (default 10 minutes). */
export interface VerifyOptions extends Omit<RegistryClientOptions, 'signal'> {
  deadlineMs?: number;
}

/** The images to verify: the final ones, or all of them when the report marks none final. */
export function imagesToVerify<T extends VerifiableImage>(images: T[]): T[] {
  const finals = images.filter((i) => i.final);
  return finals.length ? finals : images;
}

/**
 * Prove from the registry what werf pushed: each image's tag resolves to the reported digest (header and body hash
 * agree), every child of an index is there, and every config and layer blob answers a HEAD (once per repository).
 * Never throws for a registry problem: each becomes one sentence in `problems` naming image, digest, registry and
 * what it said. `access(host)` says how to reach each registry; a report digest of '' is taken from the registry.
 */
export async function verifyImages(
  report: { images: VerifiableImage[] },
  access: (host: string) => RegistryAccess,
  opts: VerifyOptions = {},
): Promise<VerifyResult> {
  const signal = AbortSignal.timeout(opts.deadlineMs ?? 600_000);
  const clients = new Map<string, RegistryClient>();
  const clientFor = (host: string) => {
    let c = clients.get(host);
    if (!c) {
      c = createRegistryClient(access(host), { ...opts, signal });
      clients.set(host, c);
    }
    return c;
  };
  const blobChecks = new Map<string, Promise<RegistryError | undefined>>();
  // A config read once per repository stands for its HEAD too (keys are `<host>/<path>@<digest>`).
  const configReads = new Map<string, Promise<Buffer>>();
  const readConfig = (client: RegistryClient, path: string, key: string): Promise<Buffer> => {
    let read = configReads.get(key);
    if (!read) {
      read = client.getBlob(path, key.slice(key.lastIndexOf('@') + 1));
      configReads.set(key, read);
      blobChecks.set(
        key,
        read.then(
          () => undefined,
          (e: RegistryError) => e,
        ),
      );
    }
    return read;
  };
  const problems: string[] = [];
  const images: Record<string, ImageOutput> = {};

  async function verifyOne(img: VerifiableImage): Promise<void> {
    const { domain: host, path } = parseImageReference(img.repo);
    const client = clientFor(host);
    const where = `${host}/${path}`;
    const m = await client.getManifest(path, img.tag);
    const served = m.digest || m.bodyDigest;
    if (m.digest && m.digest !== m.bodyDigest) {
      throw new Error(
        `${where} sent a manifest for tag ${img.tag} whose body hashes to ${m.bodyDigest}, not to the ${m.digest} it named`,
      );
    }
    if (img.digest && served !== img.digest) {
      throw new Error(`the tag ${img.tag} in ${where} now points at ${served}, not at ${img.digest} that werf pushed`);
    }
    const digest = img.digest || served;
    const parsed = parseManifest(m.body, m.mediaType);
    // The platforms the registry names (an index's children, an image's config) win; werf's report fills in when it
    // names none.
    let platforms = img.platforms ?? [];
    const blobs: Array<{ role: string; digest: string; of: string }> = [];
    // A single image's config is read rather than HEADed (one request either way): it names the image's platform.
    // The read runs beside the layer HEADs, not before them.
    let fromConfig: Promise<{ platforms: string[] } | { problem: string }> = Promise.resolve({ platforms: [] });
    if (parsed.kind === 'index') {
      const listed = parsed.children.map((c) => c.platform).filter((p) => p && p !== 'unknown/unknown');
      if (listed.length > 0) platforms = listed;
      await Promise.all(
        parsed.children.map(async (child) => {
          const cm = await client.getManifest(path, child.digest).catch((e: RegistryError) => {
            throw new Error(
              `the ${child.platform || 'child'} manifest ${child.digest} of the index ${absence(e)} ${where}: ${e.message}`,
            );
          });
          if (cm.bodyDigest !== child.digest) {
            throw new Error(
              `${where} served the child manifest ${child.digest} with a body that hashes to ${cm.bodyDigest}`,
            );
          }
          const p = parseManifest(cm.body, cm.mediaType);
          if (p.kind !== 'image') throw new Error(`the child ${child.digest} in ${where} is an index inside an index`);
          blobs.push({ role: 'config blob', digest: p.config, of: child.digest });
          p.layers.forEach((l) => blobs.push({ role: 'layer blob', digest: l, of: child.digest }));
        }),
      );
    } else {
      fromConfig = readConfig(client, path, `${where}@${parsed.config}`).then(
        (config) =>
          sha256Digest(config) === parsed.config
            ? { platforms: [configPlatform(config)].filter((p) => p !== '') }
            : {
                problem: `${where} served the config blob ${parsed.config} with a body that hashes to ${sha256Digest(config)}`,
              },
        (e: RegistryError) => ({
          problem: `the config blob ${parsed.config} of manifest ${digest} ${absence(e)} ${where}: ${e.message}`,
        }),
      );
      parsed.layers.forEach((l) => blobs.push({ role: 'layer blob', digest: l, of: digest }));
    }
    const missingBlobs = Promise.all(
      blobs.map(async (b) => {
        const key = `${where}@${b.digest}`;
        let check = blobChecks.get(key);
        if (!check) {
          check = client.headBlob(path, b.digest).then(
            () => undefined,
            (e: RegistryError) => e,
          );
          blobChecks.set(key, check);
        }
        const e = await check;
        return e && `the ${b.role} ${b.digest} of manifest ${b.of} ${absence(e)} ${where}: ${e.message}`;
      }),
    );
    const [missing, config] = await Promise.all([missingBlobs, fromConfig]);
    const found = missing.filter((s): s is string => !!s);
    if ('problem' in config) found.unshift(config.problem);
    if (found.length) throw new Error(found.join('; '));
    if ('platforms' in config && config.platforms.length > 0) platforms = config.platforms;
    images[img.name] = { image: `${img.repo}:${img.tag}`, digest, ref: `${img.repo}@${digest}`, platforms };
  }

  try {
    await Promise.all(
      imagesToVerify(report.images).map((img) =>
        verifyOne(img).catch((e: Error) => {
          const label = `${img.name} (${img.repo}:${img.tag}${img.digest ? `, ${img.digest}` : ''})`;
          problems.push(`Image ${label}: ${e.message}`);
          images[img.name] ??= {
            image: `${img.repo}:${img.tag}`,
            digest: img.digest,
            ref: img.digest ? `${img.repo}@${img.digest}` : '',
            platforms: img.platforms ?? [],
          };
        }),
      ),
    );
  } finally {
    await Promise.all([...clients.values()].map((c) => c.close()));
  }
  const requests = [...clients.values()].reduce((n, c) => n + c.requestCount(), 0);
  return { images, verified: problems.length === 0, problems: problems.sort(), requests };
}

/** `os/architecture[/variant]` of an image config; '' when it does not say. */
function configPlatform(config: Buffer): string {
  try {
    return formatPlatform(JSON.parse(config.toString('utf8')) as Parameters<typeof formatPlatform>[0]);
  } catch {
    return '';
  }
}

// "is missing from" only when the registry said so; a network failure or timeout proves nothing either way.
function absence(e: RegistryError): string {
  return e.status === 404 ? 'is missing from' : 'could not be checked in';
}

/**
 * The `images` output straight from werf's report, for `verify-manifests: false`: what werf says it pushed, not
 * checked against the registry.
 */
export function reportedImages(report: { images: VerifiableImage[] }): Record<string, ImageOutput> {
  return Object.fromEntries(
    imagesToVerify(report.images).map((img) => [
      img.name,
      {
        image: `${img.repo}:${img.tag}`,
        digest: img.digest,
        ref: img.digest ? `${img.repo}@${img.digest}` : '',
        platforms: img.platforms ?? [],
      },
    ]),
  );
}
