import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { constants } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { runProgram, type ProgramResult } from '../child-process.js';

/** Runs a command without a shell (argv as given), with `input` on its stdin; never throws for an exit code. */
export type RunCommand = (command: string, args: string[], input?: string) => Promise<ProgramResult>;

/** The default RunCommand: output collected, not shown (the runner's log gets our own sentences, not sudo's chatter). */
export const runCommand: RunCommand = (command, args, input) => runProgram(command, args, { input });

/** A file's mode bits and modification time, or a directory. */
export interface FileInfo {
  mode: number;
  mtimeMs: number;
  isDirectory: boolean;
}

/**
 * The few operations an owned change makes to the machine, each one atomic on its own: written directly, or through
 * `sudo -n` with plain coreutils (no shell) when this user may not write the place. Reads are direct (system places are
 * world-readable), with `sudo -n cat` for a file this user may not read.
 */
export interface SystemFiles {
  /** true when changes go through `sudo -n` */
  readonly sudo: boolean;
  /** fails with the reason when the changes cannot be made at all (no passwordless sudo) */
  ready(): Promise<void>;
  read(file: string): Promise<string | undefined>;
  info(file: string): Promise<FileInfo | undefined>;
  /** creates `file` with `content`, whole at once; false (nothing changed) when it exists */
  createNew(file: string, content: string, mode: number): Promise<boolean>;
  /** a second name for `existing`; false when `name` exists or `existing` does not */
  link(existing: string, name: string): Promise<boolean>;
  /** replaces (or creates) `file` whole at once: readers see the old content or the new, never half */
  replace(file: string, content: string, mode: number): Promise<void>;
  /** copies a file with its mode and modification time (and owner, as root) */
  copyKeepingTimes(from: string, to: string): Promise<void>;
  /** renames within one folder: the file keeps its content, mode, owner and modification time */
  rename(from: string, to: string): Promise<void>;
  /** removes a file; nothing happens when it is not there */
  remove(file: string): Promise<void>;
  /** makes one folder (mode 0755); false when it exists */
  mkdir(dir: string): Promise<boolean>;
  /** removes a folder only when it is empty */
  rmdir(dir: string): Promise<'removed' | 'not-empty' | 'missing'>;
}

const code = (err: unknown) => (err as NodeJS.ErrnoException).code;

async function readDirect(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (err) {
    if (code(err) === 'ENOENT' || code(err) === 'ENOTDIR') return undefined;
    throw err;
  }
}

async function info(file: string): Promise<FileInfo | undefined> {
  try {
    const st = await fs.lstat(file);
    return { mode: st.mode & 0o7777, mtimeMs: st.mtimeMs, isDirectory: st.isDirectory() };
  } catch (err) {
    if (code(err) === 'ENOENT' || code(err) === 'ENOTDIR') return undefined;
    throw err;
  }
}

/** As root, gives `to` the owner of `from` (when it exists), as `cp -p` does; a user cannot, and owns both anyway. */
async function keepOwner(from: string, to: string): Promise<void> {
  if (process.getuid?.() !== 0) return;
  const st = await fs.stat(from).catch(() => undefined);
  if (st) await fs.chown(to, st.uid, st.gid);
}

/** A name beside `file` for a file that is written first and then renamed or linked into place. */
function besideTemp(file: string): string {
  return `${file}.werf-ship.tmp-${randomBytes(6).toString('hex')}`;
}

/**
 * Replaces (or creates) `file` whole with `content` and `mode` (the owner kept, as root): written to a fresh file
 * beside it and renamed over it, so that a reader, also one in another job, sees the old content or the new, never
 * half. The one such writer of the action, for system files and for its own (the job's docker config, the TUF state).
 */
export async function replaceFile(file: string, content: string | Buffer, mode: number): Promise<void> {
  const temp = besideTemp(file);
  try {
    await fs.writeFile(temp, content, { mode, flag: 'wx' });
    await fs.chmod(temp, mode); // the umask narrowed it
    await keepOwner(file, temp);
    await fs.rename(temp, file);
  } catch (err) {
    await fs.rm(temp, { force: true });
    throw err;
  }
}

/** The machine's files, changed by this process directly (root, or a place this user may write). */
export const directFiles: SystemFiles = {
  sudo: false,
  ready: async () => undefined,
  read: readDirect,
  info,
  createNew: async (file, content, mode) => {
    const temp = besideTemp(file);
    await fs.writeFile(temp, content, { mode, flag: 'wx' });
    try {
      await fs.link(temp, file);
      return true;
    } catch (err) {
      if (code(err) === 'EEXIST') return false;
      throw err;
    } finally {
      await fs.rm(temp, { force: true });
    }
  },
  link: async (existing, name) => {
    try {
      await fs.link(existing, name);
      return true;
    } catch (err) {
      if (code(err) === 'EEXIST' || code(err) === 'ENOENT') return false;
      throw err;
    }
  },
  replace: replaceFile,
  copyKeepingTimes: async (from, to) => {
    // coreutils' cp -p keeps the times to the nanosecond (utimensat); Node's utimes goes through a double, which
    // rounds them, so a restored file would not have its exact modification time. Elsewhere Node does it.
    if (process.platform === 'linux' && (await runCommand('cp', ['-p', '-T', '--', from, to])).exitCode === 0) return;
    const st = await fs.stat(from);
    await fs.copyFile(from, to);
    await fs.chmod(to, st.mode & 0o7777);
    await keepOwner(from, to);
    await fs.utimes(to, st.atime, st.mtime);
  },
  rename: (from, to) => fs.rename(from, to),
  remove: (file) => fs.rm(file, { force: true }),
  mkdir: async (dir) => {
    try {
      await fs.mkdir(dir, { mode: 0o755 });
      return true;
    } catch (err) {
      if (code(err) === 'EEXIST') return false;
      throw err;
    }
  },
  rmdir: async (dir) => {
    try {
      await fs.rmdir(dir);
      return 'removed';
    } catch (err) {
      if (code(err) === 'ENOTEMPTY' || code(err) === 'EEXIST') return 'not-empty';
      if (code(err) === 'ENOENT') return 'missing';
      throw err;
    }
  },
};

/**
 * The machine's files, changed through `sudo -n` (never a prompt: a runner without passwordless sudo fails at once).
 * Each change is one coreutils command with the paths as arguments; content goes through `tee`'s stdin, into a file
 * beside the target that `mv -T` then renames into place. `run` is injectable for tests.
 */
export function sudoFiles(run: RunCommand = runCommand): SystemFiles {
  const sudo = async (args: string[], input?: string): Promise<ProgramResult> => run('sudo', ['-n', ...args], input);
  const must = async (args: string[], input?: string): Promise<void> => {
    const out = await sudo(args, input);
    if (out.exitCode !== 0)
      throw new Error(`sudo ${args.join(' ')}: ${out.stderr.trim() || `exit code ${out.exitCode}`}`);
  };
  /** `content` into a fresh file beside `file` with `mode`: the first step of every write. */
  const writeBeside = async (file: string, content: string, mode: number): Promise<string> => {
    const temp = besideTemp(file);
    try {
      await must(['tee', '--', temp], content);
    } catch (err) {
      throw await withMissingFolder(err as Error, file);
    }
    await must(['chmod', mode.toString(8).padStart(4, '0'), '--', temp]);
    return temp;
  };
  return {
    sudo: true,
    ready: () => must(['true']),
    read: async (file) => {
      try {
        return await readDirect(file);
      } catch (err) {
        if (code(err) !== 'EACCES') throw err;
        const out = await sudo(['cat', '--', file]);
        if (out.exitCode === 0) return out.stdout;
        if ((await info(file)) === undefined) return undefined;
        throw new Error(`sudo cat ${file}: ${out.stderr.trim()}`);
      }
    },
    info,
    createNew: async (file, content, mode) => {
      const temp = await writeBeside(file, content, mode);
      try {
        // ln without -f is link(2): it never replaces, so of two jobs only one gets the name.
        const out = await sudo(['ln', '-T', '--', temp, file]);
        if (out.exitCode === 0) return true;
        if ((await info(file)) !== undefined) return false;
        throw new Error(`sudo ln ${temp} ${file}: ${out.stderr.trim()}`);
      } finally {
        await sudo(['rm', '-f', '--', temp]);
      }
    },
    link: async (existing, name) => {
      const out = await sudo(['ln', '-T', '--', existing, name]);
      if (out.exitCode === 0) return true;
      if ((await info(name)) !== undefined || (await info(existing)) === undefined) return false;
      throw new Error(`sudo ln ${existing} ${name}: ${out.stderr.trim()}`);
    },
    replace: async (file, content, mode) => {
      const temp = await writeBeside(file, content, mode);
      try {
        if (await info(file)) await must(['chown', `--reference=${file}`, '--', temp]);
        await must(['mv', '-f', '-T', '--', temp, file]);
      } catch (err) {
        await sudo(['rm', '-f', '--', temp]);
        throw err;
      }
    },
    copyKeepingTimes: (from, to) => must(['cp', '-p', '-T', '--', from, to]),
    rename: (from, to) => must(['mv', '-f', '-T', '--', from, to]),
    remove: (file) => must(['rm', '-f', '--', file]),
    mkdir: async (dir) => {
      const out = await sudo(['mkdir', '-m', '0755', '--', dir]);
      if (out.exitCode === 0) return true;
      if ((await info(dir))?.isDirectory) return false;
      throw await withMissingFolder(new Error(`sudo mkdir ${dir}: ${out.stderr.trim()}`), dir);
    },
    rmdir: async (dir) => {
      const out = await sudo(['rmdir', '--', dir]);
      if (out.exitCode === 0) return 'removed';
      if ((await info(dir)) === undefined) return 'missing';
      if ((await fs.readdir(dir).catch(() => [])).length > 0) return 'not-empty';
      throw new Error(`sudo rmdir ${dir}: ${out.stderr.trim()}`);
    },
  };
}

/** A failed command's error, coded ENOENT (as fs would) when the folder it wrote into is gone: callers retry on that. */
async function withMissingFolder(err: Error, file: string): Promise<Error> {
  if ((await info(path.dirname(file))) === undefined) Object.assign(err, { code: 'ENOENT' });
  return err;
}

/** The closest existing ancestor of a path (the folder whose permissions decide whether we can create it). */
export async function existingAncestor(p: string): Promise<string> {
  let dir = p;
  while ((await info(dir)) === undefined) {
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return dir;
}

/**
 * How to change the files of the folder `dir` (or the folders still to be made there): directly as root or where this
 * user may write the closest existing folder, else through `sudo -n`.
 */
export async function filesFor(dir: string, run: RunCommand = runCommand): Promise<SystemFiles> {
  if (process.getuid?.() === 0) return directFiles;
  try {
    await fs.access(await existingAncestor(dir), constants.W_OK);
    return directFiles;
  } catch {
    return sudoFiles(run);
  }
}
