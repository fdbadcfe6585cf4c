import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { directFiles } from '../../src/system/files.js';
import { breakDeadLock, lockFileOf, withLock } from '../../src/system/lock.js';
import { stampOf, type ProcessStamp } from '../../src/system/owner.js';
import { repoRoot } from '../support/runner.js';
import { endedProcessStamp } from '../support/ended-process.js';

// Real lock files in a temp dir, taken by concurrent calls and by concurrent processes.
let dir: string;
let target: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lock-'));
  target = path.join(dir, 'ca.crt');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const options = (waitMs = 10_000) => ({ files: directFiles, job: 'test-job', waitMs });

/** A lock file as another holder would have written it. */
function foreignLock(stamp: ProcessStamp | undefined, nonce = 'abcdef0123'): void {
  const holder = { nonce, job: 'other-job', pid: stamp?.pid ?? 1, process: stamp, since: '2025-01-01T00:00:00.000Z' };
  fs.writeFileSync(lockFileOf(target), `${JSON.stringify(holder)}\n`);
}

/** Runs `n` critical sections at once; returns the most that ever ran together. */
async function contend(n: number, waitMs?: number): Promise<number> {
  let inside = 0;
  let most = 0;
  await Promise.all(
    Array.from({ length: n }, () =>
      withLock(
        target,
        async () => {
          most = Math.max(most, ++inside);
          await sleep(10);
          inside--;
        },
        options(waitMs),
      ),
    ),
  );
  return most;
}

describe('withLock', () => {
  test('one holder at a time; the lock file is beside the target while held and gone after', async () => {
    const seen = await withLock(target, async () => JSON.parse(fs.readFileSync(lockFileOf(target), 'utf8')), options());
    expect(seen).toMatchObject({ job: 'test-job', pid: process.pid, nonce: expect.stringMatching(/^[0-9a-f]{24}$/) });
    expect(lockFileOf(target)).toBe(`${target}.werf-ship.lock`);
    expect(await contend(6)).toBe(1);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  test('several processes at once: every read-modify-write under the lock counts', async () => {
    fs.writeFileSync(target, '0');
    const worker = path.join(repoRoot, '__tests__/support/lock-worker.ts');
    const runs = Array.from(
      { length: 3 },
      () =>
        new Promise<number | null>((resolve) => {
          const child = spawn(process.execPath, ['--import', 'tsx', worker, target, '8'], {
            cwd: repoRoot,
            stdio: 'inherit',
          });
          child.on('close', resolve);
        }),
    );
    expect(await Promise.all(runs)).toEqual([0, 0, 0]);
    expect(fs.readFileSync(target, 'utf8')).toBe('24');
    expect(fs.readdirSync(dir)).toEqual(['ca.crt']);
  });

  test('a lock held by a running job: a bounded wait, then an error that names the lock, its holder and the fix', async () => {
    foreignLock(stampOf());
    const started = Date.now();
    const failure = await withLock(target, async () => 'ran', options(1000)).catch((e: Error) => e.message);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(failure).toBe(
      `Timed out after 1 s waiting for the lock ${target}.werf-ship.lock, held by job other-job (pid ${process.pid}) since 2025-01-01T00:00:00.000Z. If no job is using it, remove it: sudo rm -f ${target}.werf-ship.lock`,
    );
    expect(fs.existsSync(lockFileOf(target))).toBe(true);
  });

  test('a lock file that is not ours to read is waited for like a held one', async () => {
    fs.writeFileSync(lockFileOf(target), 'garbage');
    const failure = await withLock(target, async () => 'ran', options(300)).catch((e: Error) => e.message);
    expect(failure).toMatch(/^Timed out after 0 s waiting for the lock .*, held by an unknown holder\./);
  });

  test('a lock whose process ended is taken over at once, and nothing of it is left', async () => {
    foreignLock(await endedProcessStamp());
    const started = Date.now();
    expect(await withLock(target, async () => 'ran', options(5000))).toBe('ran');
    expect(Date.now() - started).toBeLessThan(2000);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  test('a lock from before a reboot is taken over', async () => {
    foreignLock({ ...stampOf()!, boot: '00000000-0000-0000-0000-000000000000' });
    expect(await withLock(target, async () => 'ran', options(5000))).toBe('ran');
  });

  test('a lock from another pid namespace (a job in a container) is never judged dead: it is waited for', async () => {
    foreignLock({ ...(await endedProcessStamp()), pidNamespace: 'pid:[1]' });
    await expect(withLock(target, async () => 'ran', options(300))).rejects.toThrow(/^Timed out/);
  });

  test('many waiters find the same dead lock: it is broken once, and they still take turns', async () => {
    foreignLock(await endedProcessStamp());
    expect(await contend(6)).toBe(1);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  test('breaking a dead lock: only the lock that was judged, and only by one waiter', async () => {
    const lock = lockFileOf(target);
    const judged = { nonce: 'abcdef0123', job: 'other-job', pid: 1, since: '' };
    // A slow waiter judged "abcdef0123" dead, but another job took over meanwhile: the fresh lock stays.
    foreignLock(stampOf(), 'fedcba9876');
    expect(await breakDeadLock(directFiles, lock, judged)).toBe(false);
    expect(JSON.parse(fs.readFileSync(lock, 'utf8')).nonce).toBe('fedcba9876');
    // Another waiter is breaking the dead lock right now (it holds the break name): this one leaves it alone.
    foreignLock(undefined, 'abcdef0123');
    fs.linkSync(lock, `${lock}.break-abcdef0123`);
    expect(await breakDeadLock(directFiles, lock, judged)).toBe(false);
    expect(fs.existsSync(lock)).toBe(true);
    fs.rmSync(`${lock}.break-abcdef0123`);
    // The one waiter that gets the break name removes it, and leaves nothing else.
    expect(await breakDeadLock(directFiles, lock, judged)).toBe(true);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  test('a lock taken from under us (we were judged dead) is not removed by us', async () => {
    await withLock(
      target,
      async () => {
        fs.rmSync(lockFileOf(target));
        foreignLock(stampOf(), 'fedcba9876');
      },
      options(),
    );
    expect(JSON.parse(fs.readFileSync(lockFileOf(target), 'utf8')).nonce).toBe('fedcba9876');
  });

  test('a folder that is gone: ENOENT, for the caller to make it again', async () => {
    const gone = path.join(dir, 'no-such-folder', 'ca.crt');
    await expect(withLock(gone, async () => 'ran', options())).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
