import * as fs from 'node:fs';
import * as core from '@actions/core';
import * as exec from '@actions/exec';
import { savedCleanup, type CleanupEntry } from './state.js';
import { logout } from './login.js';
import { deleteProbes } from './nodes/index.js';

/**
 * The post step: undoes what the main step recorded, newest first: logs out, deletes leftover probe pods, removes the
 * files and folders it made and puts back what it replaced. A failure here is a warning, never a failed job.
 */
export async function post(): Promise<void> {
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
      return logout(entry);
    case 'delete-probes':
      return deleteProbes(entry);
    case 'restore-env':
      // '' stands for "unset": docker, Go and Node all read an empty value as no value.
      core.exportVariable(entry.name, entry.previous);
      return;
    case 'remove-file':
    case 'remove-dir':
      if (entry.sudo) {
        await exec.exec('sudo', ['-n', 'rm', '-rf', '--', entry.path], { silent: true });
      } else {
        fs.rmSync(entry.path, { recursive: true, force: true });
      }
      return;
    case 'restore-file':
      if (entry.sudo) {
        await exec.exec('sudo', ['-n', 'mv', '-f', '--', entry.backup, entry.path], { silent: true });
      } else {
        // The backup lives under RUNNER_TEMP, often another filesystem than /etc: copy, then drop the backup.
        fs.copyFileSync(entry.backup, entry.path);
        fs.rmSync(entry.backup, { force: true });
      }
      return;
  }
}

function describe(entry: CleanupEntry): string {
  switch (entry.kind) {
    case 'logout':
      return `werf cr logout ${entry.registry}`;
    case 'delete-probes':
      return `delete probe pods ${entry.selector} in ${entry.namespace}`;
    case 'restore-file':
      return `restore ${entry.path}`;
    case 'restore-env':
      return `restore ${entry.name}`;
    default:
      return `remove ${entry.path}`;
  }
}
