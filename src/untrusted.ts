import { randomBytes } from 'node:crypto';

// The runner reads workflow commands on a step's stdout and stderr: a line that starts (after blanks) with `::name`,
// and, in the legacy syntax, `##[name ...]` ANYWHERE in a line (actions/runner ActionCommand.TryParse). Text that a
// user, werf, a registry or a cluster controls must reach the log so that neither can match.
//
// What needs this and what does not (checked against actions/runner: ActionCommandManager.TryProcessCommand runs
// ActionCommand.TryParseV2 first and tries the legacy TryParse only when V2 does not parse the line):
// - @actions/core's commands (core.error/warning/notice/setFailed, core.debug, core.startGroup/group) print one line
//   `::name props::data` with CR, LF and % escaped in the data, and `:` and `,` too in the properties. V2 always parses
//   that line (a registered name, and the first `::` after it is the separator), so a `##[` or `::` in the message is
//   data, never a command: a value someone else controls may go into these as it is (quote() still reads better).
// - core.info, process.stdout/stderr and a tool's output are not escaped: every such line must use the functions below.

/**
 * A value someone else controls, for use inside one of our own sentences (log lines, annotations, errors): JSON-quoted,
 * so it holds no raw line break and cannot start a line, and with `[` written as the JSON escape `\u005b` after `##`,
 * so the legacy command syntax cannot match inside it. Pure.
 */
export function quote(value: string): string {
  return JSON.stringify(value).replace(/##\[/g, '##\\u005b');
}

/** The same value on one line without quotes, for places where quotes would mislead (a host name, a path): pure. */
export function oneLine(value: string): string {
  // eslint-disable-next-line no-control-regex
  return value.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, ' ').replace(/##\[/g, '## [');
}

/** The two lines that stop and resume the runner's command processing, with a fresh unguessable token. */
export function commandStop(): { stop: string; resume: string } {
  const token = `werf-ship-${randomBytes(16).toString('hex')}`;
  return { stop: `::stop-commands::${token}`, resume: `::${token}::` };
}

/**
 * Prints text whose lines someone else controls (werf's output, a registry's answer, the details of an error) between
 * `::stop-commands::<token>` and `::<token>::`: the runner shows every line and runs none of them.
 */
export function logUntrusted(text: string): void {
  if (text === '') return;
  const { stop, resume } = commandStop();
  process.stdout.write(`${stop}\n${text.endsWith('\n') ? text : `${text}\n`}${resume}\n`);
}

/**
 * Runs `fn` while the runner ignores workflow commands, for streaming a tool's output live; `write` prints raw text
 * inside the block (on stdout: the runner reads stdout and stderr apart, so only one stream keeps the order). Our own
 * annotations must wait until `fn` is done: inside the block they would be shown, not run.
 */
export async function withCommandsStopped<T>(fn: (write: (chunk: string | Buffer) => void) => Promise<T>): Promise<T> {
  const { stop, resume } = commandStop();
  let endsWithNewline = true;
  process.stdout.write(`${stop}\n`);
  try {
    return await fn((chunk) => {
      const text = typeof chunk === 'string' ? chunk : chunk.toString('utf8');
      if (text === '') return;
      process.stdout.write(text);
      endsWithNewline = text.endsWith('\n');
    });
  } finally {
    process.stdout.write(`${endsWithNewline ? '' : '\n'}${resume}\n`);
  }
}
