import { describe, expect, it } from '@jest/globals';
import { backoffMs, pause, retryAfterMs } from '../../src/registry/retry.js';

describe('Retry-After', () => {
  const now = Date.parse('2025-03-01T12:00:00Z');
  it('reads delay-seconds and HTTP-dates (RFC 9110), as milliseconds from now', () => {
    expect(retryAfterMs('0', now)).toBe(0);
    expect(retryAfterMs('120', now)).toBe(120_000);
    expect(retryAfterMs(' 5 ', now)).toBe(5_000);
    expect(retryAfterMs('Sat, 01 Mar 2025 12:00:30 GMT', now)).toBe(30_000);
    expect(retryAfterMs(['7', '9'], now)).toBe(7_000);
  });

  it('a date in the past is no wait; nothing readable is no Retry-After', () => {
    expect(retryAfterMs('Sat, 01 Mar 2025 11:00:00 GMT', now)).toBe(0);
    for (const v of [undefined, '', 'soon', '-5', '1.5']) expect(retryAfterMs(v, now)).toBeUndefined();
  });
});

describe('backoff and pause', () => {
  it('doubles from the minimum and stops at the cap', () => {
    const s = { minDelayMs: 250, maxDelayMs: 1_000 };
    expect([1, 2, 3, 4, 5].map((n) => backoffMs(n, s))).toEqual([250, 500, 1_000, 1_000, 1_000]);
  });

  it('a pause ends early, with false, when the signal aborts; true when the time passed', async () => {
    expect(await pause(1)).toBe(true);
    const ac = new AbortController();
    const waiting = pause(60_000, ac.signal);
    ac.abort();
    expect(await waiting).toBe(false);
    expect(await pause(60_000, AbortSignal.abort())).toBe(false);
  });
});
