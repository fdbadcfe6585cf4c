import type { Send } from './http.js';

/**
 * `send` that, while `cold()` says no connection is open, lets one request go first and holds the others until it is
 * answered: they then share the connection it opened. When that first request fails, the others all go (each finds
 * out for itself); requests made while the connection is open go at once.
 */
export function openingFirst(cold: () => boolean, send: Send): Send {
  let opening: Promise<void> | undefined;
  return async (...request) => {
    if (cold()) {
      if (!opening) {
        const first = send(...request);
        opening = first.then(
          () => (opening = undefined),
          () => (opening = undefined),
        );
        return first;
      }
      await opening;
    }
    return send(...request);
  };
}

/** `send` with at most `n` requests in flight; the others wait their turn, in order. */
export function atMost(n: number, send: Send): Send {
  let running = 0;
  const waiting: Array<() => void> = [];
  return async (...request) => {
    if (running < n) running++;
    else await new Promise<void>((turn) => waiting.push(turn));
    try {
      return await send(...request);
    } finally {
      // The slot goes straight to the next in line, or is freed.
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  };
}
