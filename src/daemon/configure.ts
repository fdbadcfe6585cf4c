// docker-daemon: configure. Adds this job's registries to the insecure-registries of the daemon's config file as
// owned changes (src/system/: locked, recorded as this job's, shared with other jobs on the runner, undone in post),
// and reloads the daemon after each change, while the file's lock is held, until GET /info shows it.
import * as path from 'node:path';
import * as core from '@actions/core';
import { recordCleanup, type DaemonConfigEntry } from '../state.js';
import { filesFor, runCommand, type RunCommand, type SystemFiles } from '../system/files.js';
import { jsonListProblem, sharedContent } from '../system/formats.js';
import { claimOwnedFile, releaseOwnedFile, type ClaimResult, type ReleaseResult } from '../system/owned-file.js';
import { oneLine } from '../untrusted.js';
import type { DockerDaemonMode } from '../inputs.js';
import type { DaemonConfigFile, NotChanged } from './advice.js';
import type { DaemonProblem } from './plan.js';
import { findDaemonProcess, type DaemonProcess } from './process.js';
import { RELOAD_WAIT_MS, signalReload, waitForInsecureRegistries } from './reload.js';
import { INSECURE_REGISTRIES } from './registry-config.js';

const entries = sharedContent(INSECURE_REGISTRIES);

/** How the action can change the daemon's config file (the files to use, and how in words), or why it cannot. */
export type ConfigFileAccess = { files: SystemFiles; how: string } | { reason: string };

/**
 * Whether this user can change `file`: directly (root, or a folder this user may write), else through `sudo -n`, which
 * is tried once (`sudo -n true`); never a prompt.
 */
export async function configFileAccess(file: string, run: RunCommand = runCommand): Promise<ConfigFileAccess> {
  const files = await filesFor(path.dirname(file), run);
  if (!files.sudo) return { files, how: process.getuid?.() === 0 ? 'as root' : 'as this user' };
  try {
    await files.ready();
    return { files, how: 'with sudo -n' };
  } catch (err) {
    return {
      reason: `${file} cannot be written here (not as this user, and sudo -n fails: ${oneLine((err as Error).message)})`,
    };
  }
}

/** The mode this job runs with: configure (and why, in the user's words), or check (and why nothing is changed). */
export type DaemonModeDecision = { mode: 'configure'; because: string } | { mode: 'check'; notChanged: NotChanged };

/**
 * Pure: resolves the docker-daemon input. `auto` is `configure` on an ephemeral GitHub-hosted runner
 * (RUNNER_ENVIRONMENT=github-hosted) where the daemon's config file can be written (as root, or with sudo -n), and
 * `check` anywhere else: a self-hosted runner's daemon is the admin's, changed only when a workflow asks.
 */
export function decideMode(
  input: Exclude<DockerDaemonMode, 'off'>,
  o: { githubHosted: boolean; file: string; access?: ConfigFileAccess },
): DaemonModeDecision {
  if (input === 'check') return { mode: 'check', notChanged: { mode: 'check' } };
  if (input === 'configure') return { mode: 'configure', because: 'docker-daemon: configure' };
  if (!o.githubHosted) return { mode: 'check', notChanged: { mode: 'auto' } };
  if (!o.access || 'reason' in o.access)
    return { mode: 'check', notChanged: { mode: 'auto', reason: o.access?.reason ?? `${o.file} was not looked at` } };
  return {
    mode: 'configure',
    because: `docker-daemon: auto on a GitHub-hosted runner, where ${o.file} can be written ${o.access.how}`,
  };
}

/**
 * Pure: why configure must leave this daemon alone, or undefined when adding `insecure-registries` entries and a
 * reload fix every problem: a missing CA is not fixed by an entry; without the dockerd process there is nobody to
 * reload; a dockerd with --insecure-registry flags fails a reload when its file lists them too; a file the daemon
 * cannot read is never touched; and a missing file, created with only this job's entries, would drop the insecure
 * registries the daemon has now.
 */
export function whyNotConfigure(o: {
  problems: DaemonProblem[];
  socketPath: string;
  process?: DaemonProcess;
  file: DaemonConfigFile;
  current: string[];
}): string | undefined {
  if (o.problems.some((p) => !p.fixedByInsecureEntry))
    return 'an insecure-registries entry does not fix a CA missing from certs.d';
  if (!o.process)
    return `no single dockerd process that serves ${o.socketPath} was found under /proc, so the action cannot reload it`;
  if (o.process.insecureFlags.length > 0)
    return `dockerd (pid ${o.process.pid}) takes --insecure-registry flags, and a reload with insecure-registries in ${o.file.path} as well would fail`;
  const problem = o.file.text === undefined ? undefined : jsonListProblem(o.file.text, INSECURE_REGISTRIES.key);
  if (problem) return `${o.file.path} is left as it is: ${problem}`;
  if (o.file.unreadable === 'missing' && o.current.length > 0)
    return `${o.file.path} does not exist, but the daemon has insecure registries (${o.current.join(', ')}) that a new file listing only this job's would drop on reload`;
  return undefined;
}

/**
 * The owned-file hook for the daemon's config file: after each change (while the file's lock is held) sends the dockerd
 * SIGHUP and waits until GET /info lists each of `hosts` exactly when the new content does. A file that went away is
 * not read on reload (the daemon keeps what it has), so then there is nothing to do.
 */
function reloadAfterChange(
  daemon: { pid: number; socketPath: string },
  hosts: string[],
  o: { run?: RunCommand; waitMs?: number; onChange?: () => void; onReloaded?: (ms: number) => void },
): (content: string | undefined) => Promise<void> {
  return async (content) => {
    if (content === undefined) return;
    o.onChange?.();
    const wanted = Object.fromEntries(hosts.map((h) => [h, entries.holds(content, h)]));
    await signalReload(daemon.pid, o.run);
    try {
      const ms = await waitForInsecureRegistries(daemon.socketPath, wanted, o.waitMs ?? RELOAD_WAIT_MS);
      core.debug(
        `dockerd (pid ${daemon.pid}) reloaded; GET /info showed ${JSON.stringify(wanted)} after ${Math.round(ms)} ms`,
      );
      o.onReloaded?.(ms);
    } catch (err) {
      throw new Error(
        `dockerd (pid ${daemon.pid}) did not take the change: it was sent SIGHUP, but ${(err as Error).message} (its log says why: journalctl -u docker, or where its output goes)`,
      );
    }
  };
}

/** What configure did for one registry. */
export interface ConfiguredEntry {
  host: string;
  /** created/extended: written; shared: another job's entry, now this job's too; unchanged: the runner's own */
  outcome: ClaimResult['outcome'];
  /** how long the daemon took to list it after the SIGHUP (written entries) */
  reloadMs?: number;
}

/** configure could not make the daemon right: why, in one clause, and whether what it wrote was taken out again. */
export class ConfigureFailed extends Error {
  constructor(
    readonly reason: string,
    readonly warnings: string[],
  ) {
    super(reason);
    this.name = 'ConfigureFailed';
  }
}

/**
 * Adds each of `hosts` to `insecure-registries` in the config file of the dockerd `process` (serving `socketPath`),
 * each as an owned change of this job (recorded for the post step before the first change): edited in place, other
 * bytes kept, backed up before the first change any job makes; then SIGHUP and a wait until GET /info lists it, under
 * the file's lock. An entry the file already has is not written: another job's is shared, the runner's own is never
 * taken out. On a failure, what this job wrote is taken out again at once, and ConfigureFailed says why.
 */
export async function configureDaemon(o: {
  socketPath: string;
  process: DaemonProcess;
  hosts: string[];
  files: SystemFiles;
  run?: RunCommand;
  waitMs?: number;
  record?: (entry: DaemonConfigEntry) => void;
}): Promise<ConfiguredEntry[]> {
  const file = o.process.configFile;
  const done: ConfiguredEntry[] = [];
  for (const host of o.hosts) {
    let entry: DaemonConfigEntry | undefined;
    let changed = false;
    let reloadMs: number | undefined;
    try {
      const claimed = await claimOwnedFile(
        { path: file, format: INSECURE_REGISTRIES, item: host, label: `the insecure-registries entry ${host}` },
        {
          files: o.files,
          run: o.run,
          record: (e) => {
            entry = { ...e, kind: 'docker-daemon-config', socketPath: o.socketPath, hosts: [host] };
            (o.record ?? recordCleanup)(entry);
          },
          afterChange: reloadAfterChange({ pid: o.process.pid, socketPath: o.socketPath }, [host], {
            run: o.run,
            waitMs: o.waitMs,
            onChange: () => void (changed = true),
            onReloaded: (ms) => void (reloadMs = ms),
          }),
        },
      );
      done.push({ host, outcome: claimed.outcome, ...(reloadMs !== undefined ? { reloadMs } : {}) });
    } catch (err) {
      const message = oneLine((err as Error).message);
      const warnings: string[] = [];
      let undone = '';
      if (entry) {
        try {
          const released = await releaseDaemonConfig(entry, { run: o.run, waitMs: o.waitMs, files: o.files });
          warnings.push(...released.warnings);
          undone = changed ? '; the entry was taken out again' : '';
        } catch (undoErr) {
          warnings.push(
            `Could not take ${host} out of ${file} again at once (the post step tries again): ${oneLine((undoErr as Error).message)}`,
          );
        }
      }
      throw new ConfigureFailed(
        changed ? `it added ${host} to insecure-registries in ${file}, but ${message}${undone}` : `${file}: ${message}`,
        warnings,
      );
    }
  }
  return done;
}

/**
 * The post step's undo of a DaemonConfigEntry: takes this job's entries out of the daemon's config file (an entry
 * another running job still needs stays), writing the list explicitly (`[]`: a key that is absent is ignored on
 * reload), reloads the dockerd that serves the socket now and waits until it no longer lists them; then, once no job
 * needs anything in the file and it is otherwise as it was, puts the original back (bytes, mode, modification time).
 * A dockerd that is not running any more is not reloaded: it reads the file when it starts.
 */
export async function releaseDaemonConfig(
  entry: DaemonConfigEntry,
  o: { run?: RunCommand; waitMs?: number; files?: SystemFiles } = {},
): Promise<ReleaseResult> {
  const daemon = await findDaemonProcess(entry.socketPath);
  const released = await releaseOwnedFile(entry.path, entry.job, {
    run: o.run,
    ...(o.files ? { files: o.files } : {}),
    ...(daemon
      ? { afterChange: reloadAfterChange({ pid: daemon.pid, socketPath: entry.socketPath }, entry.hosts, o) }
      : {}),
  });
  if (!daemon)
    released.notes.push(
      oneLine(
        `No dockerd serves ${entry.socketPath} now: it was not reloaded, and reads ${entry.path} when it starts.`,
      ),
    );
  return released;
}
