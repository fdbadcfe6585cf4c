import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeHostsToml } from '../support/rig/index.js';

/**
 * A node's containerd hosts.toml for `host` as a real node has it, via the rig's writeHostsToml plus a `server`
 * line (with its `ca`/`skip_verify`). Without `server`, containerd appends a default host, and for a loopback
 * host that default speaks plain HTTP: a fallback no real node has for a real registry.
 */
export async function writeNodeHostsToml(
  hostsDir: string,
  host: string,
  o: { scheme: 'https' | 'http'; caPath?: string; skipVerify?: boolean },
): Promise<void> {
  await writeHostsToml(hostsDir, host, o);
  const file = join(hostsDir, host, 'hosts.toml');
  const table = await readFile(file, 'utf8');
  const top = [`server = ${JSON.stringify(`${o.scheme}://${host}`)}`];
  if (o.caPath) top.push(`ca = ${JSON.stringify(o.caPath)}`);
  if (o.skipVerify) top.push('skip_verify = true');
  await writeFile(file, `${top.join('\n')}\n${table}`);
}

/** A node with no hosts.toml for `host`: containerd's default, HTTPS with the system roots. */
export async function writeDefaultNode(hostsDir: string, host: string): Promise<void> {
  // An empty hosts dir for the host would do on a real node; on loopback containerd would add an HTTP fallback,
  // so the default is written out: https, no CA.
  await mkdir(hostsDir, { recursive: true });
  await writeNodeHostsToml(hostsDir, host, { scheme: 'https' });
}
