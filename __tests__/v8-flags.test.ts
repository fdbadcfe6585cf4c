// stopOptimizingCompilers() in a Node process of its own (it changes V8 for the whole process, and Jest reuses its
// workers): a hot function that V8 optimizes within milliseconds otherwise stays unoptimized after it, also when it
// is called far more often. Node runs src/v8-flags.ts as it is (it strips the types; the file imports nothing).
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect, test } from '@jest/globals';
import { repoRoot } from './support/runner.js';

/** Calls a small function in batches for up to `ms`, until V8 runs it optimized (Maglev or TurboFan). */
function hotFunction(stop: boolean, ms: number): { optimized: boolean; calls: number } {
  const module = pathToFileURL(path.join(repoRoot, 'src/v8-flags.ts')).href;
  const script = `
    if (${stop}) (await import(${JSON.stringify(module)})).stopOptimizingCompilers();
    function hot(a, b) { return (a * 31 + b) % 1000003; }
    let acc = 0, calls = 0, optimized = false;
    const until = Date.now() + ${ms};
    while (!optimized && Date.now() < until) {
      for (let i = 0; i < 10000; i++) acc = hot(acc, i);
      calls += 10000;
      optimized = %ActiveTierIsMaglev(hot) || %ActiveTierIsTurbofan(hot);
      await new Promise((resolve) => setImmediate(resolve)); // a concurrent compile job installs its code
    }
    console.log(JSON.stringify({ optimized, calls }));
  `;
  const out = execFileSync(process.execPath, ['--allow-natives-syntax', '--input-type=module', '-e', script], {
    encoding: 'utf8',
  });
  return JSON.parse(out) as { optimized: boolean; calls: number };
}

test('without it, V8 optimizes a hot function (the control)', () => {
  expect(hotFunction(false, 5000).optimized).toBe(true);
});

test('after stopOptimizingCompilers(), a function called a million times and more stays unoptimized', () => {
  const run = hotFunction(true, 400);
  expect(run.optimized).toBe(false);
  expect(run.calls).toBeGreaterThan(1_000_000);
});
