import { spawnSync } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { own } from './lifecycle.js';
import { isAlive, runToolOk } from './processes.js';

/**
 * A test host: a network namespace the rig made, joined to this machine by a veth pair, with an address from
 * 198.18.0.0/15 (the benchmarking range, routed nowhere) that is not loopback: the Docker daemon treats all of
 * 127.0.0.0/8 as insecure, so a registry it must verify has to listen somewhere else. Nothing leaves the machine.
 */
export interface TestHost {
  /** the namespace's name (wship-<pid>-<random>) */
  name: string;
  /** the address inside the namespace, where servers listen */
  address: string;
  /** this machine's end of the link */
  peerAddress: string;
  /** a port not yet handed out on this host (servers in the namespace have it to themselves) */
  nextPort(): number;
  /** the argv that runs `cmd args` inside the namespace (`ip netns exec` execs it: the pid is the command's) */
  exec(cmd: string, args: string[]): [string, string[]];
  /** Kills what still runs in the namespace and deletes it (the veth pair goes with it). */
  stop(): Promise<void>;
}

const PREFIX = 'wship-';
const live = new Set<string>();
let reaped = false;

// ip's own view of "1.2.3.4": 198.18.0.0/15 has 2^17 addresses, a /30 per host.
function blockAddresses(block: number): { peer: string; inside: string; base: string } {
  const n = (198 << 24) + (18 << 16) + block * 4;
  const ip = (v: number) => [24, 16, 8, 0].map((s) => (v >>> s) & 255).join('.');
  return { base: ip(n), peer: ip(n + 1), inside: ip(n + 2) };
}

/** Deletes a namespace after killing what runs in it (only namespaces of this rig: the wship- prefix). */
function removeNamespaceSync(name: string): void {
  const pids = spawnSync('ip', ['netns', 'pids', name], { encoding: 'utf8' }).stdout ?? '';
  for (const pid of pids.split('\n').filter(Boolean)) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // gone already
    }
  }
  // The pair goes at once with its end inside; a namespace alone is freed by the kernel later, and its link with it.
  spawnSync('ip', ['-n', name, 'link', 'del', 'eth0']);
  spawnSync('ip', ['netns', 'del', name]);
}

/**
 * Removes the test hosts of runs that died without cleaning up (their test process is gone): what runs in them
 * (their registries) and the namespaces. Hosts of live runs, other workers' included, are left alone. Once a process.
 */
function reapStaleHosts(): void {
  if (reaped) return;
  reaped = true;
  const list = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout ?? '';
  for (const line of list.split('\n')) {
    const m = new RegExp(`^(${PREFIX}(\\d+)-[0-9a-f]+)\\b`).exec(line);
    if (m && !isAlive(Number(m[2]))) removeNamespaceSync(m[1] as string);
  }
}

// Safety net: a test that forgot stop(), or a failed one, still leaves no namespace behind at exit.
process.on('exit', () => {
  for (const name of live) removeNamespaceSync(name);
});

/**
 * Makes a test host: `ip netns add`, a veth pair with a /30 from 198.18.0.0/15 picked at random and checked to be
 * unused on this machine (parallel workers and other runs pick their own), lo and the link up. Needs root and
 * iproute2 (installed by .ci/run). stop() removes it; so does process exit, and the next run if this one was killed.
 */
export async function startTestHost(): Promise<TestHost> {
  reapStaleHosts();
  for (let attempt = 1; ; attempt++) {
    const id = randomBytes(3).toString('hex');
    const name = `${PREFIX}${process.pid}-${id}`;
    const link = `ws${id}${process.pid.toString(36).slice(-3)}`; // <= 15 characters (IFNAMSIZ)
    const { base, peer, inside } = blockAddresses(randomInt(1, 32768));
    const used = await runToolOk('ip', ['-o', '-4', 'addr', 'show', 'to', `${base}/30`]);
    if (used.trim() !== '') continue;
    live.add(name);
    const undo = () => {
      removeNamespaceSync(name);
      live.delete(name);
    };
    try {
      await runToolOk('ip', ['netns', 'add', name]);
      await runToolOk('ip', ['link', 'add', link, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', name]);
      await runToolOk('ip', ['addr', 'add', `${peer}/30`, 'dev', link]);
      await runToolOk('ip', ['link', 'set', link, 'up']);
      await runToolOk('ip', ['-n', name, 'addr', 'add', `${inside}/30`, 'dev', 'eth0']);
      await runToolOk('ip', ['-n', name, 'link', 'set', 'eth0', 'up']);
      await runToolOk('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
      // Two runs that picked the same /30 at the same moment: both see it twice, both try again.
      const holders = await runToolOk('ip', ['-o', '-4', 'addr', 'show', 'to', `${base}/30`]);
      if (holders.trim().split('\n').length !== 1) throw new Error(`${base}/30 taken twice`);
    } catch (err) {
      undo();
      if (attempt < 5) continue;
      throw err;
    }
    let port = 5000;
    // Servers in it are stopped by their owners; whatever is still running is killed with the namespace.
    const stop = own(async () => undo());
    return {
      name,
      address: inside,
      peerAddress: peer,
      nextPort: () => port++,
      exec: (cmd, args) => ['ip', ['netns', 'exec', name, cmd, ...args]],
      stop,
    };
  }
}
