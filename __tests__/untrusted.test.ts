import { afterEach, beforeEach, describe, expect, jest, test } from '@jest/globals';
import { commandStop, logUntrusted, oneLine, quote, withCommandsStopped } from '../src/untrusted.js';
import { parseCommands, runnerCommands } from './support/runner.js';

// What the runner would treat as a command in a line (actions/runner ActionCommand: `::` after leading blanks, or
// the legacy `##[` anywhere), outside a stop-commands block.
function commandLines(stdout: string): string[] {
  const lines: string[] = [];
  let stopToken: string | undefined;
  for (const raw of stdout.split('\n')) {
    const line = raw.trimStart();
    if (stopToken) {
      if (line === `::${stopToken}::`) stopToken = undefined;
      continue;
    }
    const stop = /^::stop-commands::(.+)$/.exec(line);
    if (stop) stopToken = stop[1];
    else if (/^::[A-Za-z-]+( [^:]*)?::/.test(line) || raw.includes('##[')) lines.push(raw);
  }
  return lines;
}

const HOSTILE = 'prod\n::set-output name=verified::true\r\n  ::error::forged\n##[set-output name=verified;]true';

let out = '';
beforeEach(() => {
  out = '';
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
    return true;
  });
});
afterEach(() => {
  jest.restoreAllMocks();
});

describe('quote', () => {
  test('a hostile value in a sentence stays on one line and forms no command, and reads back as the value', () => {
    const line = `Input env is ${quote(HOSTILE)}.`;
    expect(line).not.toMatch(/[\r\n]/);
    expect(commandLines(line)).toEqual([]);
    expect(JSON.parse(line.slice(line.indexOf('"'), -1))).toBe(HOSTILE);
  });

  test('plain values read as JSON strings', () => {
    expect(quote('registry.example.com:5000')).toBe('"registry.example.com:5000"');
  });
});

describe('oneLine', () => {
  test('control characters become blanks and the legacy prefix is broken', () => {
    expect(oneLine(HOSTILE)).not.toMatch(/[\r\n]|##\[/);
    expect(commandLines(`host ${oneLine(HOSTILE)}`)).toEqual([]);
  });
});

describe('logUntrusted', () => {
  test('every line is printed and none of them is a command outside the block', () => {
    logUntrusted(HOSTILE);
    for (const line of HOSTILE.split('\n')) expect(out).toContain(line);
    expect(commandLines(out)).toEqual([]);
    expect(parseCommands(out, 'stop-commands')).toHaveLength(1);
  });

  test('each block has its own token', () => {
    expect(commandStop().stop).not.toBe(commandStop().stop);
  });
});

describe('withCommandsStopped', () => {
  test('streamed chunks that split lines still end before the resume line, also when the work throws', async () => {
    await expect(
      withCommandsStopped(async (write) => {
        write('::error::a');
        write(Buffer.from('bc\n::set-output name=x::1'));
        throw new Error('werf died');
      }),
    ).rejects.toThrow('werf died');
    expect(commandLines(out)).toEqual([]);
    const lines = out.split('\n');
    expect(lines.at(-2)).toMatch(/^::werf-ship-[0-9a-f]{32}::$/);
    // After the block, our own commands work again.
    out += '::error::ours\n';
    expect(commandLines(out)).toEqual(['::error::ours']);
  });
});

// The runner emulation the end-to-end tests rely on reads commands by the runner's rules (actions/runner
// ActionCommand.TryParseV2/TryParse, ActionCommandManager, ProcessInvoker's ReadLine).
describe('runner emulation: which lines the runner runs', () => {
  const names = (text: string) => runnerCommands(text).map((c) => `${c.command}:${c.message}`);

  test('`::` after leading blanks, the legacy `##[` anywhere, names in any case, lines split at CR too', () => {
    expect(names('  ::error::a\rtext ##[warning]b\r\n::SET-OUTPUT name=x::c\nplain :: text ::error::d')).toEqual([
      'error:a',
      'warning:b',
      'set-output:c',
    ]);
    expect(runnerCommands('x ##[set-output name=verified;]true')[0]?.properties).toEqual({ name: 'verified' });
    expect(names('::unknown::x\n##[unknown]y\n::error x::%0Aescaped')).toEqual(['error:\nescaped']);
  });

  test('stop-commands: nothing runs until the token comes back; an empty token never resumes', () => {
    expect(names('::stop-commands::t1\n::error::hidden\n##[error]hidden\n::T1::\n::error::shown')).toEqual([
      'stop-commands:t1',
      'error:shown',
    ]);
    expect(names('::stop-commands::\n::error::hidden\n::::')).toEqual(['stop-commands:']);
  });

  test('a quoted value in a sentence and a logUntrusted block run nothing', () => {
    logUntrusted(HOSTILE);
    expect(names(`${out}::notice::ours ${quote(HOSTILE)}\n`)).toEqual([
      expect.stringMatching(/^stop-commands:werf-ship-/),
      `notice:ours ${quote(HOSTILE)}`,
    ]);
  });
});
