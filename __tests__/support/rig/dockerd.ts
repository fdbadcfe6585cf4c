import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request } from 'undici';
import { own } from './lifecycle.js';
import { isAlive, startServer } from './processes.js';
import { makeTempDir, removeTempDir } from './tmp.js';

/** A real Docker daemon (Debian's docker.io, dockerd 20.10) owned by one test file, on a socket of its own. */
export interface Dockerd {
  /** DOCKER_HOST for it: unix://<dir>/docker.sock */
  host: string;
  socket: string;
  pid: number;
  /** its --config-file (the test's own file) */
  configFile: string;
  /** GET <path> of its Engine API, parsed (e.g. '/info') */
  api<T = unknown>(path: string): Promise<T>;
  /** `GET /info`'s RegistryConfig: what the daemon treats as insecure, now */
  registryConfig(): Promise<{ InsecureRegistryCIDRs: string[]; IndexConfigs: Record<string, { Secure: boolean }> }>;
  logs(): string;
  /** SIGTERM and wait (dockerd takes a few seconds), then its managed containerd if it outlived it, then the dir. */
  stop(): Promise<void>;
}

const OWNER_FILE = 'owner.pid';

function readOr(file: string, fallback: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return fallback;
  }
}

/** Kills the process in `pidFile` when it still runs from `dir` (its command line names the dir: ours, not a reuse). */
function killIfOurs(pidFile: string, dir: string): void {
  const pid = Number(readOr(pidFile, '0').trim());
  if (!pid || !isAlive(pid) || !readOr(`/proc/${pid}/cmdline`, '').includes(dir)) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone
  }
}

/** The daemon and its managed containerd, if they outlived the daemon's stop (a SIGKILL leaves containerd behind). */
function killLeftovers(dir: string): void {
  killIfOurs(join(dir, 'docker.pid'), dir);
  killIfOurs(join(dir, 'exec', 'containerd', 'containerd.pid'), dir);
}

/** Mount points at or under `dir`, deepest first (from /proc/self/mountinfo, whose paths escape blanks as \\040). */
function mountsUnder(dir: string): string[] {
  const points = readOr('/proc/self/mountinfo', '')
    .split('\n')
    .map((line) =>
      (line.split(' ')[4] ?? '').replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))),
    )
    .filter((p) => p === dir || p.startsWith(`${dir}/`));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

/**
 * dockerd bind-mounts its --data-root onto itself (a private mount) and undoes it only on a clean stop: a killed
 * daemon leaves the mount, and removing the dir then fails with EBUSY. Lazy unmounts, deepest first.
 */
function unmountUnder(dir: string): void {
  for (const point of mountsUnder(dir)) spawnSync('umount', ['-l', point], { stdio: 'ignore' });
}

let reaped = false;
/** Daemons of runs that died (their test process is gone) are killed and their dirs removed; once a process. */
function reapStale(): void {
  if (reaped) return;
  reaped = true;
  for (const name of readdirSync(tmpdir()).filter((n) => n.startsWith('rig-dockerd-'))) {
    const dir = join(tmpdir(), name);
    const owner = Number(readOr(join(dir, OWNER_FILE), '0').trim());
    if (owner && isAlive(owner)) continue;
    killLeftovers(dir);
    unmountUnder(dir);
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch (err) {
      // Another run's leftovers must not fail this one: say so and go on.
      process.stderr.write(`rig: could not remove the stale ${dir}: ${(err as Error).message}\n`);
    }
  }
}

const running = new Set<string>();
// Safety net at exit (after the rig's SIGKILL of its children): the containerd a killed dockerd leaves.
process.on('exit', () => {
  for (const dir of running) killLeftovers(dir);
});

/**
 * Starts `dockerd` with everything of its own in a temp dir: --data-root, --exec-root, -H unix://<dir>/docker.sock,
 * --pidfile and --config-file (a file written from `config`, 2-space JSON), off the host's network
 * (--bridge=none --iptables=false --ip6tables=false), with the vfs storage driver (no mounts: the dir is removed
 * cleanly). Its config also sets `deprecated-key-path` into the dir, or dockerd 20.10 writes /etc/docker/key.json.
 * Resolves once `GET /_ping` answers. `args` are more dockerd flags (e.g. --insecure-registry). Needs root and
 * docker.io (installed by .ci/run).
 */
export async function startDockerd(
  config: Record<string, unknown> = {},
  opts: { args?: string[] } = {},
): Promise<Dockerd> {
  reapStale();
  if (!existsSync('/usr/sbin/dockerd')) throw new Error('dockerd is missing: install docker.io (.ci/run does)');
  const dir = await makeTempDir('dockerd');
  await writeFile(join(dir, OWNER_FILE), String(process.pid));
  running.add(dir);
  const socket = join(dir, 'docker.sock');
  const configFile = join(dir, 'daemon.json');
  await writeFile(
    configFile,
    `${JSON.stringify({ 'deprecated-key-path': join(dir, 'key.json'), ...config }, null, 2)}\n`,
  );
  // dockerd runs its own containerd (a child) whose shutdown takes a few seconds: wait for it before killing.
  const server = startServer(
    'dockerd',
    [
      '--config-file', configFile, '--data-root', join(dir, 'data'), '--exec-root', join(dir, 'exec'),
      '-H', `unix://${socket}`, '--pidfile', join(dir, 'docker.pid'), '--storage-driver', 'vfs',
      '--bridge=none', '--iptables=false', '--ip6tables=false', ...(opts.args ?? []),
    ],
    { killAfterMs: 20_000 },
  ); // prettier-ignore
  const dispatcher = new Agent({ connect: { socketPath: socket } });
  const api = async <T>(path: string): Promise<T> => {
    const res = await request(`http://docker${path}`, { dispatcher });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`dockerd GET ${path}: ${res.statusCode} ${text}`);
    return (path === '/_ping' ? text : JSON.parse(text)) as T;
  };
  const stop = own(async () => {
    await server.stop();
    await dispatcher.close();
    killLeftovers(dir);
    unmountUnder(dir); // left when the daemon had to be killed
    running.delete(dir);
    await removeTempDir(dir);
  });
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      await api('/_ping');
      break;
    } catch (err) {
      if (server.exited() || Date.now() > deadline) {
        await stop();
        throw new Error(`dockerd did not start (${(err as Error).message}):\n${server.log()}`);
      }
      await sleep(50);
    }
  }
  return {
    host: `unix://${socket}`,
    socket,
    pid: server.pid,
    configFile,
    api,
    registryConfig: async () =>
      (await api<{ RegistryConfig: Awaited<ReturnType<Dockerd['registryConfig']>> }>('/info')).RegistryConfig,
    logs: server.log,
    stop,
  };
}
