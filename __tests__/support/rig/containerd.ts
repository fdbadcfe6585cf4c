import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { own } from './lifecycle.js';
import { runTool, startServer } from './processes.js';
import { makeTempDir, removeTempDir } from './tmp.js';

/** A containerd daemon owned by one test file, with a namespace to pull into. */
export interface Containerd {
  socket: string;
  namespace: string;
  /**
   * `ctr -a SOCK -n NS images pull --hosts-dir DIR [--user u:p] [--platform p] REF`; never throws: ok is the exit
   * status, output is stdout+stderr (where x509 and 401 errors show up).
   */
  pull(
    ref: string,
    o: { hostsDir: string; user?: string; platform?: string },
  ): Promise<{ ok: boolean; output: string }>;
  logs(): string;
  pid: number;
  stop(): Promise<void>;
}

/**
 * Starts `containerd --config C.toml` with root, state and the gRPC socket in its own temp dir and the CRI plugin
 * off (as in the testbed recipe); resolves once `ctr version` answers. stop() kills, reaps and removes the dir.
 */
export async function startContainerd(): Promise<Containerd> {
  const dir = await makeTempDir('containerd');
  const socket = join(dir, 'containerd.sock');
  const config = join(dir, 'containerd.toml');
  const q = JSON.stringify;
  await writeFile(
    config,
    [
      'version = 2',
      `root = ${q(join(dir, 'root'))}`,
      `state = ${q(join(dir, 'state'))}`,
      'disabled_plugins = ["io.containerd.grpc.v1.cri"]',
      '[grpc]',
      `  address = ${q(socket)}`,
      '[ttrpc]',
      `  address = ${q(`${socket}.ttrpc`)}`,
      '[debug]',
      '  address = ""',
      '[metrics]',
      '  address = ""',
      '',
    ].join('\n'),
  );
  const server = startServer('containerd', ['--config', config]);
  const stop = own(async () => {
    await server.stop();
    await removeTempDir(dir);
  });
  const deadline = Date.now() + 10_000;
  for (;;) {
    const probe = await runTool('ctr', ['-a', socket, 'version'], { timeoutMs: 5_000 });
    if (probe.code === 0) break;
    if (server.exited() || Date.now() > deadline) {
      await stop();
      throw new Error(`containerd did not start:\n${server.log()}\n${probe.output}`);
    }
    await sleep(25);
  }
  const namespace = 'rig';
  return {
    socket,
    namespace,
    async pull(ref, o) {
      const args = ['-a', socket, '-n', namespace, 'images', 'pull', '--hosts-dir', o.hostsDir];
      if (o.user) args.push('--user', o.user);
      if (o.platform) args.push('--platform', o.platform);
      const result = await runTool('ctr', [...args, ref], { timeoutMs: 30_000 });
      return { ok: result.code === 0, output: result.output };
    },
    logs: server.log,
    pid: server.pid,
    stop,
  };
}

/**
 * Writes DIR/<host>/hosts.toml for ctr --hosts-dir with a [host."SCHEME://HOST"] table (containerd 1.6 ignores a
 * file without one and falls back to plain HTTP), capabilities pull and resolve, and `ca` or `skip_verify`.
 */
export async function writeHostsToml(
  hostsDir: string,
  host: string,
  o: { scheme: 'https' | 'http'; caPath?: string; skipVerify?: boolean },
): Promise<void> {
  const q = JSON.stringify;
  const lines = [`[host.${q(`${o.scheme}://${host}`)}]`];
  lines.push('  capabilities = ["pull", "resolve"]');
  if (o.caPath) lines.push(`  ca = ${q(o.caPath)}`);
  if (o.skipVerify) lines.push('  skip_verify = true');
  await mkdir(join(hostsDir, host), { recursive: true });
  await writeFile(join(hostsDir, host, 'hosts.toml'), lines.join('\n') + '\n');
}
