import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { isRunning, stampOf, type ProcessStamp } from './owner.js';
import type { SystemFiles } from './files.js';

/** How long a job waits for another job's lock on the same file before it gives up (with the lock's name). */
export const LOCK_WAIT_MS = 60_000;

/** The lock file of a system path: beside it, so every job on the machine finds the same one. */
export function lockFileOf(target: string): string {
  return `${target}.werf-ship.lock`;
}

/** What a lock file holds: who holds it, and a nonce no other lock ever had. Written once, never changed. */
export interface LockHolder {
  nonce: string;
  job: string;
  pid: number;
  process?: ProcessStamp;
  since: string;
}

function parseHolder(text: string | undefined): LockHolder | undefined {
  if (text === undefined) return undefined;
  try {
    const held = JSON.parse(text) as Partial<LockHolder>;
    return typeof held.nonce === 'string' && /^[0-9a-f]+$/.test(held.nonce) ? (held as LockHolder) : undefined;
  } catch {
    return undefined;
  }
}

/** Options of withLock: the files to use (direct or sudo), the job's id for the lock's record, the wait bound. */
export interface LockOptions {
  files: SystemFiles;
  job: string;
  waitMs?: number;
}

/**
 * Runs `fn` while this process holds the lock of `target` (`<target>.werf-ship.lock`): a file created whole with
 * link(2), which of several jobs only one gets. Another job's lock is waited for, up to `waitMs`; then the error names
 * the lock file, its holder and the command that removes it.
 *
 * A lock whose process has ended is taken over: the lock file records the holder's pid with its start time, boot and pid
 * namespace (see isRunning), so a reused pid or a lock from before a reboot is known to be dead, while a lock held from
 * another pid namespace (a containerised job) is never judged: it is waited for. Taking over is safe with several
 * waiters: the one that first links the dead lock to `<lock>.break-<its nonce>` removes it; the others find that name
 * taken, or find that the lock they linked is a fresh one (another nonce) and leave it. Lock files are never rewritten,
 * so a nonce names one lock for good.
 */
export async function withLock<T>(target: string, fn: () => Promise<T>, o: LockOptions): Promise<T> {
  const lock = lockFileOf(target);
  const mine: LockHolder = {
    nonce: randomBytes(12).toString('hex'),
    job: o.job,
    pid: process.pid,
    process: stampOf(process.pid),
    since: new Date().toISOString(),
  };
  const waitMs = o.waitMs ?? LOCK_WAIT_MS;
  const deadline = Date.now() + waitMs;
  for (let attempt = 0; ; attempt++) {
    if (await o.files.createNew(lock, `${JSON.stringify(mine)}\n`, 0o644)) break;
    const text = await o.files.read(lock);
    const held = parseHolder(text);
    if (held && !isRunning(held.process) && (await breakDeadLock(o.files, lock, held))) continue;
    if (text === undefined) continue; // released just now
    if (Date.now() >= deadline) {
      const by = held ? `job ${held.job} (pid ${held.pid}) since ${held.since}` : 'an unknown holder';
      throw new Error(
        `Timed out after ${Math.round(waitMs / 1000)} s waiting for the lock ${lock}, held by ${by}. ` +
          `If no job is using it, remove it: sudo rm -f ${lock}`,
      );
    }
    // Changes under a lock take milliseconds: poll often at first, then back off a little, with jitter.
    await sleep(Math.min(20 * 2 ** Math.min(attempt, 3), 160) * (0.5 + Math.random()));
  }
  try {
    return await fn();
  } finally {
    // Remove only our own lock: one taken over (we were judged dead, which a running process never is) is not ours.
    if (parseHolder(await o.files.read(lock))?.nonce === mine.nonce) await o.files.remove(lock);
  }
}

/**
 * Removes the lock file `lock` of a holder judged dead, once, however many waiters judged it (see withLock): true when
 * this call removed it; false when another waiter is doing it or the lock is by now another (live) one.
 */
export async function breakDeadLock(files: SystemFiles, lock: string, dead: LockHolder): Promise<boolean> {
  const claim = `${lock}.break-${dead.nonce}`;
  if (!(await files.link(lock, claim))) return false; // another waiter is breaking it, or the lock is gone
  try {
    if (parseHolder(await files.read(claim))?.nonce !== dead.nonce) return false; // a fresh lock: not ours to break
    await files.remove(lock);
    return true;
  } finally {
    await files.remove(claim);
  }
}
