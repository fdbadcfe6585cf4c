import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { constants } from 'node:fs';
import * as exec from '@actions/exec';
import { recordCleanup } from '../state.js';

/** Where one CA file went, or why it did not and the command that would put it there. */
export type PlaceResult =
  | { placed: true; path: string; sudo: boolean; action: 'created' | 'extended' | 'unchanged' }
  | { placed: false; path: string; reason: string; fix: string };

/** The closest existing ancestor of a path (the dir whose permissions decide whether we can create it). */
async function existingAncestor(p: string): Promise<string> {
  let dir = p;
  for (;;) {
    try {
      await fs.stat(dir);
      return dir;
    } catch {
      const parent = path.dirname(dir);
      if (parent === dir) return dir;
      dir = parent;
    }
  }
}

async function writable(p: string): Promise<boolean> {
  try {
    await fs.access(p, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

async function readIfExists(p: string): Promise<string | undefined> {
  try {
    return await fs.readFile(p, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

async function sudo(args: string[]): Promise<void> {
  // -n: never prompt; a runner without passwordless sudo fails at once and the user gets the command to run.
  const out = await exec.getExecOutput('sudo', ['-n', ...args], { silent: true, ignoreReturnCode: true });
  if (out.exitCode !== 0)
    throw new Error(`sudo ${args.join(' ')}: ${out.stderr.trim() || `exit code ${out.exitCode}`}`);
}

/**
 * Puts `pem` into the system file `target` (e.g. /etc/docker/certs.d/HOST/ca.crt), with `sudo -n` when this user may
 * not write there. An existing different file is kept trusted: it is backed up into a folder of its own under
 * `backupDir` (two places never share a backup) and the CA appended. Records the cleanup entry before the change is
 * made: restore the backup (once the backup exists, before the file is replaced), or remove the dirs/file about to be
 * created (the post step's forced remove is a no-op when the install then failed).
 * A place that cannot be written is not an error: the result carries the reason and the exact command that fixes it.
 * `source` is a file with the CA (under RUNNER_TEMP) that sudo copies from.
 */
export async function placeCaFile(
  target: string,
  pem: string,
  source: string,
  backupDir: string,
): Promise<PlaceResult> {
  // The job's copy of the CA is gone after the job: the fix names the user's own copy of the CA file.
  const fix = `sudo install -D -m 0644 ca.crt ${target} (ca.crt: the CA certificate you give in ca-cert)`;
  try {
    let existing: string | undefined;
    let readable = true;
    try {
      existing = await readIfExists(target);
    } catch {
      readable = false; // unreadable: treat like a file we must not lose; sudo copies it to the backup
    }
    if (existing !== undefined && existing.includes(pem.trim())) {
      return { placed: true, path: target, sudo: false, action: 'unchanged' };
    }
    const isRoot = process.getuid?.() === 0;
    const fileExists = existing !== undefined || !readable;
    const useSudo = !isRoot && !(await writable(fileExists ? target : await existingAncestor(path.dirname(target))));

    if (fileExists) {
      // /etc/docker/certs.d/HOST/ca.crt and /etc/containers/certs.d/HOST/ca.crt share their last two names: a folder
      // per placement keeps each backup apart.
      await fs.mkdir(backupDir, { recursive: true });
      const slot = await fs.mkdtemp(path.join(backupDir, `${fileSafe(path.basename(path.dirname(target)))}-`));
      const backup = path.join(slot, `${path.basename(target)}.orig`);
      if (useSudo) await sudo(['cp', '-p', target, backup]);
      else await fs.copyFile(target, backup);
      recordCleanup({ kind: 'restore-file', path: target, backup, ...(useSudo ? { sudo: true } : {}) });
      const combined = path.join(slot, 'combined.crt');
      const current = existing ?? (await fs.readFile(backup, 'utf8').catch(() => ''));
      await fs.writeFile(combined, `${current.trimEnd()}\n${pem}`);
      if (useSudo) await sudo(['install', '-m', '0644', combined, target]);
      else await fs.copyFile(combined, target);
      return { placed: true, path: target, sudo: useSudo, action: 'extended' };
    }

    const ancestor = await existingAncestor(path.dirname(target));
    const firstNew = ancestor === path.dirname(target) ? undefined : topmostNew(ancestor, target);
    const created = firstNew ?? target;
    // Cheap checks first, so a place that plainly cannot be made (no passwordless sudo; a file where a dir must be)
    // leaves no entry behind; past them the entry comes first and a failed install leaves the post step a no-op.
    if (!(await fs.stat(ancestor)).isDirectory()) throw new Error(`${ancestor} is not a directory`);
    if (useSudo) await sudo(['true']);
    recordCleanup({ kind: firstNew ? 'remove-dir' : 'remove-file', path: created, ...(useSudo ? { sudo: true } : {}) });
    if (useSudo) {
      await sudo(['install', '-D', '-m', '0644', source, target]);
    } else {
      await fs.mkdir(path.dirname(target), { recursive: true, mode: 0o755 });
      await fs.writeFile(target, pem, { mode: 0o644 });
    }
    return { placed: true, path: target, sudo: useSudo, action: 'created' };
  } catch (err) {
    return { placed: false, path: target, reason: (err as Error).message, fix };
  }
}

/** A path part as a file name part (a backup folder's prefix): nothing but letters, digits and `.:-`. */
function fileSafe(part: string): string {
  return part.replace(/[^A-Za-z0-9.:-]/g, '_');
}

/** The first directory below `ancestor` on the way to `target`: removing it removes all we created. */
function topmostNew(ancestor: string, target: string): string {
  const rel = path.relative(ancestor, target).split(path.sep);
  return path.join(ancestor, rel[0] as string);
}
