import * as fs from 'node:fs';
import * as core from '@actions/core';
import { savedCleanup, type CleanupEntry } from './state.js';

/**
 * The post step: undoes what the main step recorded, newest first: logs out, deletes leftover probe pods, removes the
 * job's own folders, and takes out what it placed in system files (src/system/owned-file.ts: only what this job placed,
 * only where no other job still needs it), reloading the Docker daemon after each change to its config file. A failure
 * here is a warning, never a failed job. The code for each kind of entry is loaded only when the journal holds one:
 * the post step never loads the main step's code.
 */
export async function run(): Promise<void> {
  // The same rule as core.getBooleanInput; a value main rejected never got this far with anything to undo.
  const keepCredentials = /^(false|False|FALSE)$/.test(core.getInput('logout').trim());
  const entries = savedCleanup().reverse();
  for (const entry of entries) {
    const credentials = entry.kind === 'logout' || ('credentials' in entry && entry.credentials === true);
    if (keepCredentials && credentials) continue;
    try {
      await undo(entry);
    } catch (err) {
      core.warning(`Clean-up step failed (${describe(entry)}): ${(err as Error).message}`);
    }
  }
  if (keepCredentials) core.info('logout is false: the registry credentials stay for the later steps of this job.');
}

async function undo(entry: CleanupEntry): Promise<void> {
  switch (entry.kind) {
    case 'logout':
      return (await import('./logout.js')).logout(entry);
    case 'delete-probes':
      return (await import('./nodes/index.js')).deleteProbes(entry);
    case 'restore-env':
      // '' stands for "unset": docker, Go and Node all read an empty value as no value.
      core.exportVariable(entry.name, entry.previous);
      return;
    case 'remove-dir':
      // Only this job's own folders under RUNNER_TEMP: nobody else puts anything there.
      fs.rmSync(entry.path, { recursive: true, force: true });
      return;
    case 'owned-file':
    case 'docker-daemon-config': {
      // The daemon's config file is an owned file too; the daemon is reloaded after each change to it.
      const released =
        entry.kind === 'owned-file'
          ? await (await import('./system/owned-file.js')).releaseOwnedFile(entry.path, entry.job)
          : await (await import('./daemon/configure.js')).releaseDaemonConfig(entry);
      for (const note of released.notes) core.info(note);
      for (const warning of released.warnings) core.warning(warning, { title: 'Clean-up' });
      return;
    }
  }
}

function describe(entry: CleanupEntry): string {
  switch (entry.kind) {
    case 'logout':
      return `werf cr logout ${entry.registry}`;
    case 'delete-probes':
      return `delete probe pods ${entry.selector} in ${entry.namespace}`;
    case 'owned-file':
    case 'docker-daemon-config':
      return `take ${entry.what} out of ${entry.path}`;
    case 'restore-env':
      return `restore ${entry.name}`;
    default:
      return `remove ${entry.path}`;
  }
}
