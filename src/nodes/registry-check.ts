import type { NodeTrust } from '../inputs.js';
import { createRegistryClient, parseManifest, type RegistryAccess, type RegistryClient } from '../registry/index.js';
import { classifyPullError, type PullClassification } from './classify.js';
import { platformMatches } from './platform.js';
import { pullTarget } from './targets.js';

/** One final image as the pull check gets it (from the build report). */
export interface CheckedImage {
  /** werf image name */
  name: string;
  /** `<repo>:<tag>` */
  image: string;
  /** '' when werf reported none: the check then goes by `tag` */
  digest: string;
  /** the tag, pulled by when `digest` is '' */
  tag?: string;
  /** repository path inside the registry, without the host (`group/app`) */
  repo: string;
  /** registry host[:port] */
  host: string;
}

/** The answer for one image on one node platform: pulled in the node's place, or why not and how to fix it. */
export interface NodeViewResult {
  image: CheckedImage;
  platform: string;
  ok: boolean;
  /** undefined when ok */
  failure?: PullClassification;
}

/**
 * How a node reaches the registry: its trust (`node-trust`) and its credentials (anonymous, or those of the
 * `image-pull-secret`, for which the login's credentials stand), derived from how the runner reaches it.
 */
export function nodeAccess(
  runner: RegistryAccess,
  o: { nodeTrust: NodeTrust; caCert: string; imagePullSecret: string },
): RegistryAccess {
  const creds = o.imagePullSecret
    ? { username: runner.username, password: runner.password }
    : { username: '', password: '' };
  switch (o.nodeTrust) {
    case 'system':
      // Public roots only: a private CA fails, and a plain-HTTP registry is met with HTTPS (as a default node does).
      return { host: runner.host, scheme: 'https', trust: 'system', ...creds };
    case 'ca-cert':
      return { host: runner.host, scheme: 'https', trust: 'ca', ca: runner.ca || o.caCert || undefined, ...creds };
    case 'skip-verify':
      return { host: runner.host, scheme: runner.scheme, trust: 'skip-verify', ...creds };
  }
}

/**
 * `verify-pull: registry`: pulls each image's manifests and checks its blobs the way a node would (the manifest by
 * digest, or by tag when werf reported no digest; the index entry for each node platform; that manifest's config
 * and layers), with the node's trust and credentials; each failure is read by the classifier. One result per image
 * and platform.
 */
export async function checkFromNodeView(o: {
  images: CheckedImage[];
  platforms: string[];
  access: (host: string) => RegistryAccess;
  nodeTrust: NodeTrust;
  caCert: string;
  imagePullSecret: string;
  timeoutMs?: number;
}): Promise<NodeViewResult[]> {
  const clients = new Map<string, RegistryClient>();
  const clientFor = (host: string): RegistryClient => {
    let client = clients.get(host);
    if (!client) {
      const access = nodeAccess(o.access(host), o);
      // No retries: a node's runtime reports the first failure as ErrImagePull too.
      client = createRegistryClient(access, { timeoutMs: o.timeoutMs ?? 30_000, retry: { maxRetries: 1 } });
      clients.set(host, client);
    }
    return client;
  };
  try {
    const perImage = await Promise.all(
      o.images.map((image) => checkImage(clientFor(image.host), image, o.platforms, o.imagePullSecret)),
    );
    return perImage.flat();
  } finally {
    await Promise.all([...clients.values()].map((c) => c.close()));
  }
}

async function checkImage(
  client: RegistryClient,
  image: CheckedImage,
  platforms: string[],
  imagePullSecret: string,
): Promise<NodeViewResult[]> {
  const fail = (platform: string, error: unknown): NodeViewResult => ({
    image,
    platform,
    ok: false,
    failure: classifyPullError(error, { host: image.host, platform, imagePullSecret }),
  });
  const { reference } = pullTarget(image);
  let top;
  try {
    const fetched = await client.getManifest(image.repo, reference);
    top = parseManifest(fetched.body, fetched.mediaType);
  } catch (error) {
    return platforms.map((p) => fail(p, error));
  }
  return Promise.all(
    platforms.map(async (platform): Promise<NodeViewResult> => {
      try {
        let manifest = top;
        if (manifest.kind === 'index') {
          const child = manifest.children.find((c) => platformMatches(platform, c.platform));
          if (!child) {
            const offered = manifest.children.map((c) => c.platform || 'none').join(', ');
            return fail(
              platform,
              `no match for platform in manifest ${reference}: not found (${platform} wanted, the index has ${offered})`,
            );
          }
          const fetched = await client.getManifest(image.repo, child.digest);
          manifest = parseManifest(fetched.body, fetched.mediaType);
          if (manifest.kind !== 'image') return fail(platform, `nested index ${child.digest} is not an image manifest`);
        }
        for (const blob of [manifest.config, ...manifest.layers]) await client.headBlob(image.repo, blob);
        return { image, platform, ok: true };
      } catch (error) {
        return fail(platform, error);
      }
    }),
  );
}
