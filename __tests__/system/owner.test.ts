import { describe, expect, test } from '@jest/globals';
import { isRunning, stampOf, thisJob } from '../../src/system/owner.js';
import { endedProcessStamp } from '../support/ended-process.js';

describe('isRunning', () => {
  test('this process runs', () => {
    const me = stampOf();
    expect(me).toMatchObject({ pid: process.pid, started: expect.stringMatching(/^\d+$/) });
    expect(isRunning(me)).toBe(true);
  });

  test('a process that ended does not', async () => {
    const ended = await endedProcessStamp();
    expect(isRunning(ended)).toBe(false);
  });

  test('a reused pid (same pid, another start time) is not the process that was stamped', () => {
    const me = stampOf()!;
    expect(isRunning({ ...me, started: String(Number(me.started) + 1) })).toBe(false);
  });

  test('a stamp from before a reboot is dead', () => {
    expect(isRunning({ ...stampOf()!, boot: '00000000-0000-0000-0000-000000000000' })).toBe(false);
  });

  test('a process in another pid namespace cannot be seen: it counts as running', async () => {
    const ended = await endedProcessStamp();
    expect(isRunning({ ...ended, pidNamespace: 'pid:[1]' })).toBe(true);
  });

  test('no stamp (a machine without /proc): counts as running', () => {
    expect(isRunning(undefined)).toBe(true);
  });
});

describe('thisJob', () => {
  test('run id, attempt, job and a random id of this main step; the worker is the parent process', () => {
    const env = { GITHUB_RUN_ID: '4242', GITHUB_RUN_ATTEMPT: '2', GITHUB_JOB: 'ship', GITHUB_REPOSITORY: 'octo/shop' };
    const job = thisJob(env);
    expect(job.job).toMatch(/^4242-2-ship-[0-9a-f]{8}$/);
    expect(job.description).toBe('octo/shop run 4242 attempt 2, job ship');
    expect(job.worker).toMatchObject({ pid: process.ppid });
    expect(thisJob(env)).toBe(job); // once per process: every claim of one main step has the same owner
  });
});
