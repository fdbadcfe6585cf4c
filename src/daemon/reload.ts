import { setTimeout as sleep } from 'node:timers/promises';
import { runCommand, type RunCommand } from '../system/files.js';
import { DaemonUnreachable, readDaemonInfo } from './engine.js';
import type { DaemonRegistryConfig } from './registry-config.js';

/** How long the action waits for a reloaded daemon to show its new insecure registries in `GET /info`. */
export const RELOAD_WAIT_MS = 15_000;

/**
 * Sends SIGHUP to the dockerd `pid` (it re-reads its config file: insecure-registries reload live): directly as root
 * or as the daemon's user, else with `sudo -n kill -HUP`. Throws with the reason when neither may.
 */
export async function signalReload(pid: number, run: RunCommand = runCommand): Promise<void> {
  try {
    process.kill(pid, 'SIGHUP');
    return;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') throw err;
  }
  const out = await run('sudo', ['-n', 'kill', '-HUP', String(pid)]);
  if (out.exitCode !== 0)
    throw new Error(`sudo -n kill -HUP ${pid} failed: ${out.stderr.trim() || `exit code ${out.exitCode}`}`);
}

/** Pure: does the daemon's registry config list `host` as an insecure-registries entry of its own? */
export function listsInsecure(config: DaemonRegistryConfig, host: string): boolean {
  return config.IndexConfigs?.[host]?.Secure === false;
}

/**
 * Polls the daemon's `GET /info` until, for each host, it lists the host as an insecure-registries entry exactly when
 * `wanted[host]` is true; resolves with the milliseconds it took. A daemon that does not answer meanwhile (it is
 * reloading) is asked again. Throws, saying what the daemon shows, after `timeoutMs`.
 */
export async function waitForInsecureRegistries(
  socketPath: string,
  wanted: Record<string, boolean>,
  timeoutMs = RELOAD_WAIT_MS,
): Promise<number> {
  const started = performance.now();
  let lastSeen = 'GET /info does not answer';
  for (let attempt = 0; ; attempt++) {
    try {
      const config = (await readDaemonInfo(socketPath, Math.min(2_000, timeoutMs))).RegistryConfig ?? {};
      const wrong = Object.entries(wanted).filter(([host, want]) => listsInsecure(config, host) !== want);
      if (wrong.length === 0) return performance.now() - started;
      lastSeen = `GET /info ${wrong
        .map(([host, want]) => `${want ? 'still does not list' : 'still lists'} ${host} as an insecure registry`)
        .join(' and ')}`;
    } catch (err) {
      if (!(err instanceof DaemonUnreachable)) throw err;
      lastSeen = `GET /info does not answer (${err.reason})`;
    }
    const elapsed = performance.now() - started;
    if (elapsed >= timeoutMs) throw new Error(`${lastSeen} after ${(elapsed / 1000).toFixed(1)} s`);
    // A reload takes milliseconds: ask often at first, then every 100 ms.
    await sleep(Math.min(5 * 2 ** attempt, 100));
  }
}
