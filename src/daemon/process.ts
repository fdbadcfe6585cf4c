import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { DEFAULT_DOCKER_SOCKET } from './engine.js';

/** The default config file of a rootful dockerd (its `--config-file`). */
export const DEFAULT_DAEMON_JSON = '/etc/docker/daemon.json';

/** What a dockerd command line says about where it listens and what it reads. */
export interface DockerdArgs {
  /** its -H/--host values; none means the default unix socket */
  hosts: string[];
  configFile?: string;
  /** --insecure-registry flags: with them, the config file must not list insecure-registries too */
  insecureRegistries: string[];
}

/** The running dockerd behind a socket: whom to send SIGHUP and which file it reads on reload. */
export interface DaemonProcess {
  pid: number;
  configFile: string;
  insecureFlags: string[];
  /** run by systemd's docker.service (`systemctl reload docker` sends it the SIGHUP) */
  systemd: boolean;
}

const VALUE_FLAGS: Record<string, keyof DockerdArgs> = {
  '-H': 'hosts',
  '--host': 'hosts',
  '--config-file': 'configFile',
  '--insecure-registry': 'insecureRegistries',
};

/** Pure: reads -H/--host, --config-file and --insecure-registry from dockerd's argv, in pflag's forms. */
export function parseDockerdArgs(argv: string[]): DockerdArgs {
  const result: DockerdArgs = { hosts: [], insecureRegistries: [] };
  const put = (key: string, value: string) => {
    if (key === 'configFile') result.configFile = value;
    else (result[key as 'hosts' | 'insecureRegistries'] as string[]).push(value);
  };
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i] as string;
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const key = VALUE_FLAGS[name];
    if (key) {
      if (eq > 0) put(key, arg.slice(eq + 1));
      else if (i + 1 < argv.length) put(key, argv[++i] as string);
    } else if (/^-H./.test(arg)) {
      put('hosts', arg.slice(2)); // -Hunix:///x
    }
  }
  return result;
}

/** /var/run is a link to /run on every current distribution: compare sockets by their /run path. */
function samePath(a: string, b: string): boolean {
  const norm = (p: string) => path.normalize(p).replace(/^\/var\/run\//, '/run/');
  return norm(a) === norm(b);
}

/**
 * Pure: whether a dockerd with these -H values listens on `socketPath`. No -H is the default socket; `fd://` is
 * systemd's socket activation (docker.socket, the default socket).
 */
export function servesSocket(hosts: string[], socketPath: string): boolean {
  const listens = hosts.length === 0 ? [`unix://${DEFAULT_DOCKER_SOCKET}`] : hosts;
  return listens.some((h) => {
    if (h.startsWith('fd://')) return samePath(socketPath, DEFAULT_DOCKER_SOCKET);
    if (h.startsWith('unix://')) return samePath(socketPath, h.slice('unix://'.length));
    return false;
  });
}

/**
 * Finds the dockerd process that serves `socketPath` by reading every process's command line under `/proc` (readable
 * by any user, unlike the daemon's sockets); undefined when none or more than one matches, or on a system without
 * /proc. Read-only.
 */
export async function findDaemonProcess(socketPath: string, proc = '/proc'): Promise<DaemonProcess | undefined> {
  let entries: string[];
  try {
    entries = (await fs.readdir(proc)).filter((e) => /^\d+$/.test(e));
  } catch {
    return undefined;
  }
  const found: DaemonProcess[] = [];
  await Promise.all(
    entries.map(async (pid) => {
      const comm = await fs.readFile(path.join(proc, pid, 'comm'), 'utf8').catch(() => '');
      if (comm.trim() !== 'dockerd') return;
      const raw = await fs.readFile(path.join(proc, pid, 'cmdline'), 'utf8').catch(() => '');
      const args = parseDockerdArgs(raw.split('\0').filter((a) => a !== ''));
      if (!servesSocket(args.hosts, socketPath)) return;
      const cgroup = await fs.readFile(path.join(proc, pid, 'cgroup'), 'utf8').catch(() => '');
      found.push({
        pid: Number(pid),
        configFile: args.configFile ?? DEFAULT_DAEMON_JSON,
        insecureFlags: args.insecureRegistries,
        systemd: /\/docker\.service\b/.test(cgroup),
      });
    }),
  );
  return found.length === 1 ? found[0] : undefined;
}
