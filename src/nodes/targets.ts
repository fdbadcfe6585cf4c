import { parseImageReference } from '../reference.js';
import type { ImageOutput } from '../verify.js';
import type { CheckedImage } from './registry-check.js';

/** The images of the `images` output as the pull check takes them: registry host and repository path apart. */
export function pullCheckImages(images: Record<string, ImageOutput>): CheckedImage[] {
  return Object.entries(images).map(([name, out]) => {
    const ref = parseImageReference(out.ref);
    return { name, image: out.image, digest: out.digest, repo: ref.path, host: ref.domain };
  });
}

/** The namespace werf deploys into when `args` name one (`--namespace X`, `--namespace=X`, `-n X`); '' otherwise. */
export function namespaceFromArgs(args: string[]): string {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const joined = /^--namespace=(.+)$/.exec(arg);
    if (joined) return joined[1] as string;
    if ((arg === '--namespace' || arg === '-n') && args[i + 1]) return args[i + 1] as string;
  }
  return '';
}
