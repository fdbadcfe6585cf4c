import type { NodeTrust } from '../inputs.js';
import { createRegistryClient, parseManifest, type RegistryAccess, type RegistryClient } from '../registry/index.js';
import { classifyPullError, type PullClassification } from './classify.js';
import { platformMatches } from './platform.js';
import type { CredentialSource, NodeCredentials } from './pull-secret.js';
import { pullTarget, type CheckedImage } from './targets.js';

/** The answer for one image on one node platform: pulled in the node's place, or why not and how to fix it. */
export interface NodeViewResult {
  image: CheckedImage;
  platform: string;
  ok: boolean;
  /** whose credentials the check sent (the source only, never the values) */
  credentials: CredentialSource;
  /** undefined when ok */
  failure?: PullClassification;
}

/**
 * How a node reaches the registry: its trust (`node-trust`), derived from how the runner reaches it, and the
 * credentials it would send (`creds`: the pull secret's, none, or the login's standing in for the secret).
 */
function nodeAccess(
  runner: RegistryAccess,
  o: { nodeTrust: NodeTrust; caCert: string },
  creds: { username: string; password: string },
): RegistryAccess {
  const who = { username: creds.username, password: creds.password };
  switch (o.nodeTrust) {
    case 'system':
      // Public roots only: a private CA fails, and a plain-HTTP registry is met with HTTPS (as a default node does).
      return { host: runner.host, scheme: 'https', trust: 'system', ...who };
    case 'ca-cert':
      return { host: runner.host, scheme: 'https', trust: 'ca', ca: runner.ca || o.caCert || undefined, ...who };
    case 'skip-verify':
      return { host: runner.host, scheme: runner.scheme, trust: 'skip-verify', ...who };
  }
}

/**
 * `verify-pull: registry`: pulls each image's manifests and checks its blobs the way a node would (the manifest by
 * digest, or by tag when werf reported no digest; the index entry for each node platform; that manifest's config
 * and layers), with the node's trust and the credentials `credentials` gives for the image, tried in turn as the
 * kubelet tries them (the next only after the registry refused the one before); each failure is read by the
 * classifier. One result per image and platform.
 */
export async function checkFromNodeView(o: {
  images: CheckedImage[];
  platforms: string[];
  access: (host: string) => RegistryAccess;
  nodeTrust: NodeTrust;
  caCert: string;
  /** what a node sends for the image (at least one; see credentialsPlan) */
  credentials: (image: CheckedImage) => NodeCredentials[];
  /** the `image-pull-secret` input, for the fixes */
  imagePullSecret: string;
  timeoutMs?: number;
}): Promise<NodeViewResult[]> {
  // One client per registry and credentials (kept in memory only).
  const clients = new Map<string, RegistryClient>();
  const clientFor = (host: string, creds: NodeCredentials): RegistryClient => {
    const key = JSON.stringify([host, creds.username, creds.password]);
    let client = clients.get(key);
    if (!client) {
      const access = nodeAccess(o.access(host), o, creds);
      // No retries: a node's runtime reports the first failure as ErrImagePull too.
      client = createRegistryClient(access, { timeoutMs: o.timeoutMs ?? 30_000, retry: { maxRetries: 1 } });
      clients.set(key, client);
    }
    return client;
  };
  try {
    const perImage = await Promise.all(
      o.images.map(async (image) => {
        let first: NodeViewResult[] | undefined;
        for (const creds of o.credentials(image)) {
          const ctx = { imagePullSecret: o.imagePullSecret, sent: creds.source };
          const results = await checkImage(clientFor(image.host, creds), image, o.platforms, ctx);
          if (!results.some((r) => r.failure?.verdict === 'needs-credentials')) return results;
          first ??= results;
        }
        // Refused with each: the answer for the first, the entry the kubelet tries first.
        return first ?? [];
      }),
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
  ctx: { imagePullSecret: string; sent: CredentialSource },
): Promise<NodeViewResult[]> {
  const credentials = ctx.sent;
  const fail = (platform: string, error: unknown): NodeViewResult => ({
    image,
    platform,
    ok: false,
    credentials,
    failure: classifyPullError(error, { host: image.host, platform, ...ctx }),
  });
  // The kubelet fails the pull before it asks the registry: a secret it cannot read.
  if (credentials.kind === 'unusable' && credentials.problem.failsPull) {
    const { reason, fix } = credentials.problem;
    return platforms.map((platform) => ({
      image,
      platform,
      ok: false,
      credentials,
      failure: { verdict: 'needs-credentials', cause: 'unauthorized', reason, remediation: fix },
    }));
  }
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
        return { image, platform, ok: true, credentials };
      } catch (error) {
        return fail(platform, error);
      }
    }),
  );
}
