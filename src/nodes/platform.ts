/** `os/arch[/variant]` split, with the default variants containerd assumes (arm64 is v8, arm is v7). */
function normalize(platform: string): { os: string; arch: string; variant: string } {
  const [os = '', arch = '', variant = ''] = platform.toLowerCase().split('/');
  const defaults: Record<string, string> = { arm64: 'v8', arm: 'v7' };
  const a = arch === 'aarch64' ? 'arm64' : arch === 'x86_64' ? 'amd64' : arch;
  return { os, arch: a, variant: variant || defaults[a] || '' };
}

/**
 * Whether an index entry's platform serves a node of `nodePlatform`, as containerd's platform matcher decides it:
 * same OS and architecture, and the same variant once the defaults are filled in. An entry without a platform
 * (an attestation, say) serves no node.
 */
export function platformMatches(nodePlatform: string, entryPlatform: string): boolean {
  if (!entryPlatform) return false;
  const node = normalize(nodePlatform);
  const entry = normalize(entryPlatform);
  return node.os === entry.os && node.arch === entry.arch && node.variant === entry.variant;
}
