import type { Registry } from './registry.js';
import { runToolOk } from './processes.js';

/**
 * Runs `skopeo copy -q ARGS SRC DEST` and throws with skopeo's output when it fails. SRC/DEST are skopeo transports
 * ('oci:DIR:TAG', 'docker://HOST/REPO:TAG'); ARGS carry trust and credentials (see skopeoArgsFor).
 */
export async function skopeoCopy(src: string, dest: string, args: string[]): Promise<void> {
  await runToolOk('skopeo', ['copy', '-q', ...args, src, dest], { timeoutMs: 60_000 });
}

/**
 * The skopeo flags to reach `reg` for `repo` as a copy's source ('src'), destination ('dest'), or for
 * `skopeo inspect` ('inspect', unprefixed flags): --cert-dir with the CA (TLS) or --tls-verify=false (HTTP);
 * --creds (basic) or --registry-token minted for pull,push (token).
 */
export function skopeoArgsFor(reg: Registry, side: 'src' | 'dest' | 'inspect', repo: string): string[] {
  const p = side === 'inspect' ? '--' : `--${side}-`;
  const args = reg.tls ? [`${p}cert-dir`, reg.ca!.dir] : [`${p}tls-verify=false`];
  if (reg.auth === 'basic') args.push(`${p}creds`, `${reg.username}:${reg.password}`);
  if (reg.auth === 'token') args.push(`${p}registry-token`, reg.tokenIssuer!.mint([`repository:${repo}:pull,push`]));
  return args;
}

/** Points repo:tag at the manifest (or index) `otherDigest` already in the same repo, digests preserved. */
export async function retagTo(reg: Registry, repo: string, tag: string, otherDigest: string): Promise<void> {
  await skopeoCopy(`docker://${reg.host}/${repo}@${otherDigest}`, `docker://${reg.host}/${repo}:${tag}`, [
    '--all',
    '--preserve-digests',
    ...skopeoArgsFor(reg, 'src', repo),
    ...skopeoArgsFor(reg, 'dest', repo),
  ]);
}
