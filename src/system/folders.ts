import * as path from 'node:path';
import type { SystemFiles } from './files.js';
import { withLock, type LockOptions } from './lock.js';

/** The record beside a system path (`<path>.werf-ship.json`): a file's ownership record, or "a job made this folder". */
export function recordFileOf(target: string): string {
  return `${target}.werf-ship.json`;
}

interface FolderRecord {
  version: 1;
  folderMadeBy: string;
  at: string;
}

function isFolderRecord(text: string | undefined): boolean {
  if (text === undefined) return false;
  try {
    return typeof (JSON.parse(text) as Partial<FolderRecord>).folderMadeBy === 'string';
  } catch {
    return false;
  }
}

/**
 * Makes `dir` and the folders above it that are missing, each under its own lock, with a record beside each one that a
 * job made it (written before the folder: a record without its folder is harmless, a folder without one would stay for
 * good). Returns the folders this call made. A folder another job removes meanwhile shows up as ENOENT in the caller's
 * next step, which then starts again (claimOwnedFile).
 */
export async function makeFolders(files: SystemFiles, dir: string, o: LockOptions): Promise<string[]> {
  const found = await files.info(dir);
  if (found) {
    if (!found.isDirectory) throw new Error(`${dir} is not a folder`);
    return [];
  }
  const parent = path.dirname(dir);
  if (parent === dir) throw new Error(`${dir} does not exist`);
  const made = await makeFolders(files, parent, o);
  await withLock(
    dir,
    async () => {
      if (await files.info(dir)) return;
      const record: FolderRecord = { version: 1, folderMadeBy: o.job, at: new Date().toISOString() };
      await files.replace(recordFileOf(dir), `${JSON.stringify(record)}\n`, 0o644);
      if (await files.mkdir(dir)) made.push(dir);
    },
    o,
  );
  return made;
}

/**
 * Removes `dir` and the folders above it while each one is empty and was made by a job (any job: the last one to leave
 * a folder empty removes it), never `rm -rf`: a folder that holds anything (another job's CA for another registry, the
 * admin's files) stays. Stops at the first folder that stays or that no job made. Returns the folders removed.
 */
export async function removeEmptyMadeFolders(files: SystemFiles, dir: string, o: LockOptions): Promise<string[]> {
  const removed: string[] = [];
  for (let d = dir; path.dirname(d) !== d; d = path.dirname(d)) {
    if (!isFolderRecord(await files.read(recordFileOf(d)))) break;
    let gone = false;
    try {
      gone = await withLock(
        d,
        async () => {
          // Under the lock no job can make the folder or put its first file in it (makeFolders locks the same name).
          if (!isFolderRecord(await files.read(recordFileOf(d)))) return false;
          if ((await files.rmdir(d)) === 'not-empty') return false;
          await files.remove(recordFileOf(d));
          return true;
        },
        o,
      );
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    if (!gone) break;
    removed.push(d);
  }
  return removed;
}
