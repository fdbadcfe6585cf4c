// runWerf with a stand-in for werf (a shell script: what werf prints is the point here, not what it does): its output
// reaches the log in order, stderr inside the same stop-commands block on stdout, our group markers outside it, and
// it runs without the action's inputs in its environment.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, jest, test } from '@jest/globals';
import { runWerf } from '../../src/werf/run.js';
import { runnerCommands } from '../support/runner.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'run-werf-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A stand-in for werf that prints `script`'s lines (sh printf) and exits with `code`. */
function fakeWerf(script: string, code: number): string {
  const file = path.join(dir, `werf-${Math.random().toString(36).slice(2)}`);
  fs.writeFileSync(file, `#!/bin/sh\n${script}\nexit ${code}\n`, { mode: 0o755 });
  return file;
}

let out = '';
let err = '';
beforeEach(() => {
  out = '';
  err = '';
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
    return true;
  });
  jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    err += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
    return true;
  });
});
afterEach(() => {
  jest.restoreAllMocks();
  delete process.env.INPUT_PASSWORD;
});

describe('runWerf', () => {
  test("werf's command lines on both streams, a CR alone and a line without its end are shown, none is run", async () => {
    const werf = fakeWerf(
      [
        `printf 'building\\n'`,
        `printf '::set-output name=verified::true\\n' >&2`,
        `sleep 0.05`,
        `printf 'progress 50%%\\r::error::FORGED\\n'`,
        `sleep 0.05`,
        `printf '  ::add-mask::FORGED-MASK\\n' >&2`,
        `sleep 0.05`,
        `printf 'x ##[set-output name=verified;]true\\n'`,
        `sleep 0.05`,
        `printf 'Error: no newline at the end ::endgroup::' >&2`,
      ].join('\n'),
      1,
    );
    const run = await runWerf(werf, ['build'], { cwd: dir, title: 'werf build' });
    expect(run.exitCode).toBe(1);
    expect(err).not.toMatch(/set-output|FORGED|no newline/);
    // What the runner runs: our group, the block's start and end, and nothing of werf's.
    expect(runnerCommands(out).map((c) => c.command)).toEqual(['group', 'stop-commands', 'endgroup']);
    expect(out.startsWith('::group::werf build\n::stop-commands::werf-ship-')).toBe(true);
    expect(out).toMatch(/Error: no newline at the end ::endgroup::\n::werf-ship-[0-9a-f]{32}::\n::endgroup::\n$/);
    // Order kept across the two streams.
    const order = ['building', 'set-output', 'progress 50%', 'FORGED-MASK', '##[set-output', 'no newline'];
    const at = order.map((text) => out.indexOf(text));
    expect(at).toEqual([...at].sort((a, b) => a - b));
    expect(run.output).toContain('::set-output name=verified::true');
    expect(run.output).toContain('Error: no newline at the end');
  });

  test("werf gets this process's environment and the extra variables, without the action's inputs", async () => {
    process.env.INPUT_PASSWORD = 'input-secret';
    const werf = fakeWerf(`env | grep -c '^INPUT_' ; printf 'extra=%s\\n' "$SSL_CERT_FILE"`, 0);
    const run = await runWerf(werf, [], { cwd: dir, env: { SSL_CERT_FILE: '/x/bundle.pem' }, title: 'werf' });
    expect(run.exitCode).toBe(0);
    expect(run.output).toBe('0\nextra=/x/bundle.pem\n');
  });

  test('a character split between two chunks stays whole', async () => {
    // "é" is two bytes in UTF-8; the second printf sends the second byte after a pause.
    const werf = fakeWerf(`printf 'caf\\303'; sleep 0.1; printf '\\251\\n'`, 0);
    const run = await runWerf(werf, [], { cwd: dir, title: 'werf' });
    expect(run.output).toBe('café\n');
    expect(out).toContain('café\n');
  });
});
