// The one home of every change this action makes to the machine outside the job's own temp folder ("owned system
// changes"): the certs.d CA files for the Docker daemon and Buildah, and the Docker daemon's config file (its
// insecure-registries, src/daemon/configure.ts).
//
// A system file is shared: the admin's content and items that several jobs on the same runner add (a CA; a list entry).
// Each job claims its item in the file; the file's ownership record beside it (`<file>.werf-ship.json`, ledger.ts)
// says which running jobs need which item, and the lock beside it (`<file>.werf-ship.lock`, lock.ts) makes each
// read-modify-write of file and record one step. The first change to a file that existed backs it up beside it
// (`<file>.werf-ship.orig`). An item leaves the file when the last job that needs it is done; the backup comes back
// (content, mode and modification time) when no job needs anything and the file is what the jobs left; the folders
// jobs made go when empty. Docker and containers/image read only *.crt, *.cert and *.key in a certs.d folder, so these
// names beside a CA are never taken for certificates.
import * as core from '@actions/core';
import * as path from 'node:path';
import { recordCleanup, type OwnedFileEntry } from '../state.js';
import type { ContentFormat } from './formats.js';
import { directFiles, filesFor, existingAncestor, type RunCommand, type SystemFiles } from './files.js';
import { makeFolders, recordFileOf, removeEmptyMadeFolders } from './folders.js';
import { parseLedger, planClaim, planRelease, sha256, type Holder, type Ledger } from './ledger.js';
import { LOCK_WAIT_MS, withLock } from './lock.js';
import { isRunning, thisJob, type JobOwner } from './owner.js';
import { oneLine } from '../untrusted.js';

/** What a job adds to a system file. */
export interface OwnedChange {
  /** the system file, e.g. /etc/docker/certs.d/registry.example.com:5000/ca.crt */
  path: string;
  format: ContentFormat;
  /** what this job adds: a CA in PEM, a list entry; public text (the ownership record keeps it) */
  item: string;
  /** the item in the user's words: "the CA for registry.example.com:5000" */
  label: string;
}

/** How the changes are made; every field has a default that is right on a runner. */
export interface OwnedFileOptions {
  /** this job (default: thisJob()) */
  owner?: JobOwner;
  /** how the machine's files are changed (default: directly, or through `sudo -n` where this user may not write) */
  files?: SystemFiles;
  /** runs the `sudo -n` commands (tests) */
  run?: RunCommand;
  /** how long to wait for another job's lock (default LOCK_WAIT_MS) */
  waitMs?: number;
  /** writes the journal entry (default: recordCleanup, for the post step) */
  record?: (entry: OwnedFileEntry) => void;
  /**
   * Runs after each change this module makes to the file, while the lock is still held, with the file's new content
   * (undefined: removed): e.g. reload the Docker daemon and wait until it took the change, before another job may
   * change the file again.
   */
  afterChange?: (content: string | undefined) => Promise<void>;
}

/** The result of a claim: what happened to the file, and whether it went through sudo. */
export interface ClaimResult {
  outcome: 'created' | 'extended' | 'shared' | 'unchanged';
  sudo: boolean;
}

/** The backup of the file as it was before the first job changed it: beside it, where every job finds it. */
function backupFileOf(target: string): string {
  return `${target}.werf-ship.orig`;
}

const holderOf = (owner: JobOwner): Holder => ({
  job: owner.job,
  description: owner.description,
  ...(owner.worker ? { worker: owner.worker } : {}),
  since: new Date().toISOString(),
});

/**
 * Claims `change.item` in a system file for this job: makes the missing folders (each recorded as made by a job), then,
 * under the file's lock, drops the claims of jobs that ended without their post step, records the claim, backs the file
 * up before its first change and writes the item in unless it is there already. The journal entry is written before
 * the first change, once the cheap checks passed (a place that plainly cannot be written leaves no entry). Throws with
 * the reason when the file cannot be changed; the machine then holds nothing of this claim that the post step would
 * not take out.
 */
export async function claimOwnedFile(change: OwnedChange, o: OwnedFileOptions = {}): Promise<ClaimResult> {
  const owner = o.owner ?? thisJob();
  const dir = path.dirname(change.path);
  const ancestor = await existingAncestor(dir);
  const files = o.files ?? (await filesFor(dir, o.run));
  const found = await files.info(ancestor);
  if (!found?.isDirectory) throw new Error(`${ancestor} is not a folder`);
  await files.ready();
  (o.record ?? recordCleanup)({
    kind: 'owned-file',
    path: change.path,
    job: owner.job,
    what: `${change.label} (sha256 ${sha256(change.item).slice(0, 12)})`,
  });

  const lockOptions = { files, job: owner.job, waitMs: o.waitMs };
  const deadline = Date.now() + (o.waitMs ?? LOCK_WAIT_MS);
  for (;;) {
    try {
      await makeFolders(files, dir, lockOptions);
      return await withLock(change.path, () => claimLocked(change, owner, files, o), lockOptions);
    } catch (err) {
      // A folder was removed by another job's post step between our steps: make it again.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || Date.now() >= deadline) throw err;
    }
  }
}

async function claimLocked(
  change: OwnedChange,
  owner: JobOwner,
  files: SystemFiles,
  o: OwnedFileOptions,
): Promise<ClaimResult> {
  await dropStoppedJobs(change.path, files, o);
  const ledger = await readLedger(files, change.path);
  const current = await files.read(change.path);
  const plan = planClaim({
    ledger,
    current,
    format: change.format,
    item: change.item,
    label: change.label,
    holder: holderOf(owner),
    backup: backupFileOf(change.path),
  });
  // The record first (it names the backup and this job), then the backup, then the file.
  await writeLedger(files, change.path, plan.ledger);
  if (plan.backup) await files.copyKeepingTimes(change.path, plan.backup);
  if (plan.write !== undefined) {
    const mode = (await files.info(change.path))?.mode ?? 0o644;
    await files.replace(change.path, plan.write, mode);
    await o.afterChange?.(plan.write);
  }
  return { outcome: plan.outcome, sudo: files.sudo };
}

/** What a release did: lines for the log, and warnings that name each file left as it was and why. */
export interface ReleaseResult {
  notes: string[];
  warnings: string[];
}

/**
 * Takes out what `job` placed in a system file (its journal entry: OwnedFileEntry), under the file's lock: an item
 * another running job still needs stays; the file comes back from its backup, or goes, once no job needs anything and
 * only while it holds what the jobs left; then the folders jobs made for it go while they are empty. Anything left as
 * it was is a warning naming the file and the reason; an unexpected failure (a lock that does not come free, sudo that
 * fails) throws, and the post step makes it a warning.
 */
export async function releaseOwnedFile(
  file: string,
  job: string,
  o: Omit<OwnedFileOptions, 'owner' | 'record'> = {},
): Promise<ReleaseResult> {
  const dir = path.dirname(file);
  const files = o.files ?? (await filesFor(dir, o.run));
  const lockOptions = { files, job, waitMs: o.waitMs };
  const result: ReleaseResult = { notes: [], warnings: [] };
  if (await files.info(dir)) {
    const done = await withLock(file, () => releaseLocked(file, job, files, o), lockOptions);
    result.notes.push(...done.notes);
    result.warnings.push(...done.warnings);
  }
  for (const removed of await removeEmptyMadeFolders(files, dir, lockOptions))
    result.notes.push(`Removed the folder ${removed} (made by a job, now empty).`);
  return {
    notes: result.notes.map(oneLine),
    warnings: result.warnings.map(oneLine),
  };
}

/** Drops the claims of jobs that ended without their post step (runner killed, job cancelled hard). */
async function dropStoppedJobs(file: string, files: SystemFiles, o: OwnedFileOptions): Promise<void> {
  const done = await releaseLocked(file, undefined, files, o);
  for (const note of done.notes) core.info(oneLine(note));
  for (const warning of done.warnings) core.warning(warning);
}

async function releaseLocked(
  file: string,
  job: string | undefined,
  files: SystemFiles,
  o: Pick<OwnedFileOptions, 'afterChange'>,
): Promise<ReleaseResult> {
  const ledger = await readLedger(files, file);
  if (!ledger) return { notes: [], warnings: [] };
  const current = await files.read(file);
  const backup = ledger.before.existed ? ledger.before.backup : undefined;
  const plan = planRelease({
    file,
    ledger,
    current,
    original: backup ? await files.read(backup) : undefined,
    job,
    isRunning: (h) => isRunning(h.worker),
    keepBackupAs: `${backupFileOf(file)}-${new Date().toISOString().replace(/[-:]|\.\d+/g, '')}`,
  });
  if (!plan.changed) return plan;
  if (plan.write !== undefined) {
    await files.replace(file, plan.write, (await files.info(file))?.mode ?? 0o644);
    await o.afterChange?.(plan.write);
  }
  if (plan.then?.kind === 'restore') {
    // A rename within the folder: the original's bytes, mode, owner and modification time, all at once.
    await files.rename(plan.then.backup, file);
    await o.afterChange?.(await files.read(file));
  } else if (plan.then?.kind === 'remove') {
    await files.remove(file);
    await o.afterChange?.(undefined);
  } else if (plan.then?.kind === 'keep-backup') {
    await files.rename(plan.then.backup, plan.then.keepAs);
  }
  if (plan.ledger) await writeLedger(files, file, plan.ledger);
  else await files.remove(recordFileOf(file));
  return plan;
}

/**
 * Read-only, without the lock (a hint, e.g. for a job deciding whether to claim an item too): whether a job placed
 * `item` in a system file, and the running jobs that need it, from the file's ownership record. Undefined when no
 * record names the item (the machine's own, or never placed) or the record cannot be read.
 */
export async function jobsHolding(
  file: string,
  item: string,
  files: SystemFiles = directFiles,
): Promise<{ placed: boolean; holders: Holder[] } | undefined> {
  let ledger: Ledger | undefined;
  try {
    ledger = await readLedger(files, file);
  } catch {
    return undefined;
  }
  const entry = ledger?.items.find((it) => it.sha256 === sha256(item));
  if (!entry) return undefined;
  return { placed: entry.placed, holders: entry.holders.filter((h) => isRunning(h.worker)) };
}

async function readLedger(files: SystemFiles, file: string): Promise<Ledger | undefined> {
  const record = recordFileOf(file);
  try {
    return parseLedger(await files.read(record));
  } catch (err) {
    throw new Error(
      `the ownership record ${record} cannot be read: ${(err as Error).message}. If no job is using ${file}, remove the record.`,
    );
  }
}

async function writeLedger(files: SystemFiles, file: string, ledger: Ledger): Promise<void> {
  await files.replace(recordFileOf(file), `${JSON.stringify(ledger, null, 2)}\n`, 0o644);
}
