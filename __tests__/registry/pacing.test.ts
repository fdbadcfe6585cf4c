import { describe, expect, it } from '@jest/globals';
import { atMost, openingFirst } from '../../src/registry/pacing.js';
import type { HttpAnswer, Send } from '../../src/registry/http.js';

const answer: HttpAnswer = { status: 200, headers: {}, body: Buffer.alloc(0) };
const tick = () => new Promise((r) => setTimeout(r, 5));

/** A stand-in for the wire: records when each request started and ended; `fail` names URLs that fail. */
function wire(fail: string[] = []) {
  const events: string[] = [];
  let inFlight = 0;
  let most = 0;
  const send: Send = async (_method, url) => {
    events.push(`start ${url}`);
    most = Math.max(most, ++inFlight);
    await tick();
    inFlight--;
    events.push(`end ${url}`);
    if (fail.includes(url)) throw new Error(`${url} failed`);
    return answer;
  };
  return { send, events, most: () => most };
}

describe('openingFirst', () => {
  it('while no connection is open, one request goes first and the burst behind it waits for its answer', async () => {
    const w = wire();
    let open = false;
    const send = openingFirst(
      () => !open,
      async (...r) => {
        const a = await w.send(...r);
        open = true; // the first request's connection stays open
        return a;
      },
    );
    await Promise.all(['a', 'b', 'c'].map((u) => send('GET', u)));
    expect(w.events.slice(0, 2)).toEqual(['start a', 'end a']);
    expect(w.events.slice(2, 4).sort()).toEqual(['start b', 'start c']);
  });

  it('when the first request fails, the others all go at once (not one after another)', async () => {
    const w = wire(['a']);
    const send = openingFirst(() => true, w.send);
    const results = await Promise.allSettled(['a', 'b', 'c', 'd'].map((u) => send('GET', u)));
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'fulfilled', 'fulfilled']);
    expect(w.events.slice(0, 2)).toEqual(['start a', 'end a']);
    expect(w.most()).toBe(3);
  });

  it('with a connection open, every request goes at once', async () => {
    const w = wire();
    const send = openingFirst(() => false, w.send);
    await Promise.all(['a', 'b', 'c'].map((u) => send('GET', u)));
    expect(w.most()).toBe(3);
  });
});

describe('atMost', () => {
  it('never has more than n requests in flight, and every request is answered', async () => {
    const w = wire(['u3']);
    const send = atMost(4, w.send);
    const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => send('HEAD', `u${i}`)));
    expect(w.most()).toBe(4);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(19);
    // In order: the requests start in the order they were made.
    expect(w.events.filter((e) => e.startsWith('start')).slice(0, 6)).toEqual(
      ['u0', 'u1', 'u2', 'u3', 'u4', 'u5'].map((u) => `start ${u}`),
    );
  });
});
