import { spawn } from 'node:child_process';
import { constants } from 'node:os';

// The one rule for what a child process (werf, kubectl, sudo, ...) inherits, the one way to run a program and
// collect what it says, and the lines of that output our sentences quote. The runner hands the action its inputs
// as INPUT_* variables: the password, the registries list with its passwords, the kubeconfig. A child has no use for
// them, and whatever it starts (a build, a credential helper, a kubeconfig exec plugin) would see them too.

const ACTION_INPUT = /^INPUT_/i;

/**
 * The environment a child process gets: `env` (this process's by default) without the action's inputs (`INPUT_*`),
 * with `extra` on top (e.g. SSL_CERT_FILE for werf). Pure.
 */
export function childEnv(
  extra: Record<string, string> = {},
  env: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && !ACTION_INPUT.test(name)) result[name] = value;
  }
  return { ...result, ...extra };
}

/**
 * Removes the action's inputs from this process's environment once they are read, so that no child started later, by
 * any module or library, can inherit them. The main step calls it right after reading the inputs.
 */
export function forgetInputs(env: NodeJS.ProcessEnv = process.env): void {
  for (const name of Object.keys(env)) if (ACTION_INPUT.test(name)) delete env[name];
}

/** A program's exit code as a shell reports it: 128 + the signal's number for a program a signal ended. */
export function exitCodeOf(code: number | null, signal: NodeJS.Signals | null): number {
  return code ?? (signal ? 128 + constants.signals[signal] : 1);
}

/** What a program said and how it ended. */
export interface ProgramResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a program with an argv, never through a shell and with the path taken as it is (a werf-path with blanks is one
 * program: @actions/exec would split it), `input` on its stdin, and collects its output in memory (a secret it prints
 * stays there). `env` is childEnv() unless given. Never throws: a program that cannot start is exit code 127 with the
 * reason on stderr; callers decide what an exit code means.
 */
export function runProgram(
  program: string,
  args: string[],
  opts: { cwd?: string; env?: Record<string, string>; input?: string | Buffer } = {},
): Promise<ProgramResult> {
  return new Promise((resolve) => {
    const child = spawn(program, args, { cwd: opts.cwd, env: opts.env ?? childEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', (e) => resolve({ exitCode: 127, stdout: '', stderr: e.message }));
    child.on('close', (code, signal) =>
      resolve({
        exitCode: exitCodeOf(code, signal),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      }),
    );
    child.stdin.on('error', () => undefined); // a program may exit before reading stdin; its exit code tells why
    child.stdin.end(opts.input ?? '');
  });
}

/**
 * The first line of what a program printed, trimmed ('' when it printed nothing): where kubectl and `werf version`
 * say what they have to say. Pure; the line is the program's, not ours: put it through oneLine() or quote().
 */
export function firstLine(text: string): string {
  return text.trim().split(/\r?\n/)[0]?.trim() ?? '';
}

/**
 * The last line of what a program printed, trimmed ('' when it printed nothing): where werf ends with its error.
 * Pure; the line is the program's, not ours: put it through oneLine() or quote().
 */
export function lastLine(text: string): string {
  return text.trim().split(/\r?\n/).at(-1)?.trim() ?? '';
}
