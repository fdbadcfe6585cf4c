import {
  RegistryError,
  createRegistryClient,
  faultReason,
  formatPlatform,
  parseManifest,
  sha256Digest,
  type RegistryAccess,
  type RegistryClient,
  type RegistryClientOptions,
} from './registry/index.js';
import { parseImageReference } from './reference.js';
import { headline, type ImageCheck, type ImageOutput } from './verdict.js';
import { groupFindings } from './findings.js';

export { headline, verificationFailure, type ImageCheck, type ImageOutput } from './verdict.js';

/** What verification reads of one build-report image (structurally a subset of src/werf/report.ts ReportImage). */
export interface VerifiableImage {
  name: string;
  repo: string;
  tag: string;
  digest: string;
  final: boolean;
  platforms?: string[];
}

/** The verification stage's result: the `images` and `verified` outputs, each problem as one sentence. */
export interface VerifyResult {
  images: Record<string, ImageOutput>;
  verified: boolean;
  problems: string[];
  /** Per werf image name: what verification found out. */
  checks: Record<string, ImageCheck>;
  /** HTTP requests sent to all registries (for the benchmark and the log). */
  requests: number;
}

/** One thing found wrong with an image: a proof that it is not there as werf reported (no `fault`), or a fault. */
interface Finding {
  text: string;
  fault?: string;
}

/** Why one image did not verify: everything found, proofs and faults. */
class ImageProblem extends Error {
  constructor(readonly findings: Finding[]) {
    super(findings.map((f) => f.text).join('; '));
  }
}

// "is missing from" only when the registry said so (a 404); a fault (busy, no answer, reset) proves nothing either way.
function finding(e: unknown, what: string, where: string): Finding {
  if (!(e instanceof RegistryError)) {
    return { text: `${what} in ${where} could not be read: ${(e as Error).message}`, fault: 'unexpected answer' };
  }
  const fault = faultReason(e);
  return fault === undefined
    ? { text: `${what} is missing from ${where}: ${e.message}` }
    : { text: `${what} could not be checked in ${where}: ${e.message}`, fault };
}

// Parsing a manifest the registry served with the right digest can still fail (not JSON, an unknown kind).
function parsed(body: Buffer, mediaType: string, what: string, where: string) {
  try {
    return parseManifest(body, mediaType);
  } catch (e) {
    throw new ImageProblem([finding(e, what, where)]);
  }
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
 * Never throws for a registry problem: each image gets a verdict in `checks` (verified, not in the registry, or could
 * not be checked because of faults) and each failed image one sentence in `problems` naming image, digest, registry and
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
  // A config read once per repository stands for its HEAD too (keys are `<host>/<path>@<digest>`). What is kept of it
  // is its hash and platform: the body goes as soon as they are known.
  const configReads = new Map<string, Promise<ConfigSeen>>();
  const readConfig = (client: RegistryClient, path: string, key: string): Promise<ConfigSeen> => {
    let read = configReads.get(key);
    if (!read) {
      read = client
        .getBlob(path, key.slice(key.lastIndexOf('@') + 1))
        .then((body) => ({ digest: sha256Digest(body), platform: configPlatform(body) }));
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
  const checks: Record<string, ImageCheck> = {};

  async function verifyOne(img: VerifiableImage): Promise<void> {
    const { domain: host, path } = parseImageReference(img.repo);
    const client = clientFor(host);
    const where = `${host}/${path}`;
    const proof = (text: string) => new ImageProblem([{ text }]);
    // The manifest's body is read in a function of its own: nothing holds it once it is parsed.
    const { digest, top } = await (async () => {
      const m = await client.getManifest(path, img.tag).catch((e: unknown) => {
        throw new ImageProblem([finding(e, `the manifest of tag ${img.tag}`, where)]);
      });
      const served = m.digest || m.bodyDigest;
      if (m.digest && m.digest !== m.bodyDigest) {
        throw proof(
          `${where} sent a manifest for tag ${img.tag} whose body hashes to ${m.bodyDigest}, not to the ${m.digest} it named`,
        );
      }
      if (img.digest && served !== img.digest) {
        throw proof(`the tag ${img.tag} in ${where} now points at ${served}, not at ${img.digest} that werf pushed`);
      }
      const reported = img.digest || served;
      return { digest: reported, top: parsed(m.body, m.mediaType, `the manifest ${reported}`, where) };
    })();
    // The platforms the registry names (an index's children, an image's config) win; werf's report fills in when it
    // names none.
    let platforms = img.platforms ?? [];
    const blobs: Array<{ role: string; digest: string; of: string }> = [];
    // A single image's config is read rather than HEADed (one request either way): it names the image's platform.
    // The read runs beside the layer HEADs, not before them.
    let fromConfig: Promise<{ platforms: string[] } | { problem: Finding }> = Promise.resolve({ platforms: [] });
    if (top.kind === 'index') {
      const listed = top.children.map((c) => c.platform).filter((p) => p && p !== 'unknown/unknown');
      if (listed.length > 0) platforms = listed;
      await Promise.all(
        top.children.map(async (child) => {
          const what = `the ${child.platform || 'child'} manifest ${child.digest} of the index`;
          const cm = await client.getManifest(path, child.digest).catch((e: unknown) => {
            throw new ImageProblem([finding(e, what, where)]);
          });
          if (cm.bodyDigest !== child.digest) {
            throw proof(
              `${where} served the child manifest ${child.digest} with a body that hashes to ${cm.bodyDigest}`,
            );
          }
          const p = parsed(cm.body, cm.mediaType, what, where);
          if (p.kind !== 'image') {
            const text = `the child ${child.digest} in ${where} is an index inside an index`;
            throw new ImageProblem([{ text, fault: 'unexpected answer' }]);
          }
          blobs.push({ role: 'config blob', digest: p.config, of: child.digest });
          p.layers.forEach((l) => blobs.push({ role: 'layer blob', digest: l, of: child.digest }));
        }),
      );
    } else {
      fromConfig = readConfig(client, path, `${where}@${top.config}`).then(
        (config) =>
          config.digest === top.config
            ? { platforms: [config.platform].filter((p) => p !== '') }
            : {
                problem: {
                  text: `${where} served the config blob ${top.config} with a body that hashes to ${config.digest}`,
                },
              },
        (e: unknown) => ({ problem: finding(e, `the config blob ${top.config} of manifest ${digest}`, where) }),
      );
      top.layers.forEach((l) => blobs.push({ role: 'layer blob', digest: l, of: digest }));
    }
    const blobFindings = Promise.all(
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
        return e && finding(e, `the ${b.role} ${b.digest} of manifest ${b.of}`, where);
      }),
    );
    const [fromBlobs, config] = await Promise.all([blobFindings, fromConfig]);
    const found = fromBlobs.filter((f): f is Finding => !!f);
    if ('problem' in config) found.unshift(config.problem);
    if (found.length) throw new ImageProblem(found);
    if ('platforms' in config && config.platforms.length > 0) platforms = config.platforms;
    images[img.name] = { image: `${img.repo}:${img.tag}`, digest, ref: `${img.repo}@${digest}`, platforms };
    checks[img.name] = { verdict: 'verified' };
  }

  try {
    await Promise.all(
      imagesToVerify(report.images).map((img) =>
        verifyOne(img).catch((e: unknown) => {
          const label = `${img.name} (${img.repo}:${img.tag}${img.digest ? `, ${img.digest}` : ''})`;
          const check = verdictOf(e instanceof ImageProblem ? e.findings : [finding(e, 'the image', img.repo)]);
          checks[img.name] = { ...check, label };
          problems.push(`Image ${label}: ${headline(check)}: ${check.detail}`);
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
  return { images, verified: problems.length === 0, problems: problems.sort(), checks, requests };
}

// A proof outweighs any fault: an image with a missing blob is not in the registry, whatever else could not be read.
function verdictOf(findings: Finding[]): ImageCheck {
  const proofs = findings.filter((f) => f.fault === undefined);
  if (proofs.length > 0) {
    return {
      verdict: 'not-in-registry',
      detail: [...proofs, ...findings.filter((f) => f.fault)].map((f) => f.text).join('; '),
    };
  }
  const reason = [...new Set(findings.map((f) => f.fault))].join(', ');
  return { verdict: 'unchecked', reason, detail: findings.map((f) => f.text).join('; ') };
}

/** What verification keeps of a config blob it read: the hash of its body and the platform it names. */
interface ConfigSeen {
  digest: string;
  platform: string;
}

/**
 * The images that did not verify as annotation texts (pure), identical findings grouped into one (src/findings.ts):
 * images with the same verdict in a few words ("could not be checked (registry busy)") are one text that counts them
 * and tells the first image's findings ("50 of 50 images (app, web, ... and 45 more): app (repo:tag, digest): ...").
 * Every image's own findings stay in the job summary's problems.
 */
export function verificationFindings(checks: Record<string, ImageCheck>): string[] {
  const failed = Object.entries(checks)
    .filter(([, check]) => check.verdict !== 'verified')
    .sort(([a], [b]) => (a < b ? -1 : 1));
  const findings = failed.map(([image, check]) => ({
    image,
    label: check.label ?? image,
    key: headline(check),
    text: `${headline(check)}: ${check.detail ?? ''}`,
  }));
  return groupFindings(findings, Object.keys(checks).length);
}

/** `os/architecture[/variant]` of an image config; '' when it does not say. */
function configPlatform(config: Buffer): string {
  try {
    return formatPlatform(JSON.parse(config.toString('utf8')) as Parameters<typeof formatPlatform>[0]);
  } catch {
    return '';
  }
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
