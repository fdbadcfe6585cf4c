import { parseImageReference } from '../reference.js';
import type { ImageOutput } from '../verdict.js';

/** One final image as the pull check gets it (from the `images` output). */
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

/**
 * The images of the `images` output as the pull check takes them: registry host and repository path apart. An
 * image without a digest (an older werf's report, or `verify-manifests: false`) is checked by its tag (`image` is
 * `repo:tag`): the pods werf deploys name that tag too. Never throws: an image with neither a digest nor a readable
 * tag gets tag '' and is reported by checkPull as one that cannot be checked, so the run's real failure stays in view.
 */
export function pullCheckImages(images: Record<string, ImageOutput>): CheckedImage[] {
  return Object.entries(images).map(([name, out]) => {
    const byDigest = out.digest ? readReference(out.ref) : undefined;
    if (byDigest) return { name, image: out.image, digest: out.digest, repo: byDigest.path, host: byDigest.domain };
    const byTag = readReference(out.image);
    return {
      name,
      image: out.image,
      digest: '',
      tag: byTag?.tag ?? '',
      repo: byTag?.path ?? '',
      host: byTag?.domain ?? '',
    };
  });
}

function readReference(text: string): ReturnType<typeof parseImageReference> | undefined {
  try {
    return parseImageReference(text);
  } catch {
    return undefined;
  }
}

/** What the pull check pulls an image by. */
export interface PullTarget {
  /** the digest, or the tag when werf reported no digest; '' when it has neither */
  reference: string;
  /** the reference a pod names: `host/repo@digest` or `host/repo:tag` */
  ref: string;
  byTag: boolean;
}

/** The digest of an image, or its tag when werf reported no digest, and the full reference a probe pod names. */
export function pullTarget(image: CheckedImage): PullTarget {
  if (image.digest) {
    return { reference: image.digest, ref: `${image.host}/${image.repo}@${image.digest}`, byTag: false };
  }
  const tag = image.tag ?? '';
  return { reference: tag, ref: `${image.host}/${image.repo}:${tag}`, byTag: true };
}
