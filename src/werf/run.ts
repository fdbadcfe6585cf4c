import { spawn } from 'node:child_process';
import * as core from '@actions/core';
import { childEnv, exitCodeOf } from '../child-process.js';
import { withCommandsStopped } from '../untrusted.js';

/** What a werf run left behind: its exit code and the tail of its output, for the diagnosis. */
export interface WerfRun {
  exitCode: number;
  output: string;
}

/** Output kept for the diagnosis (characters): the end of a long log is where werf says what went wrong. */
const OUTPUT_TAIL_CHARS = 4 * 1024 * 1024;

/**
 * Runs werf with an argv (never through a shell) and without the action's inputs in its environment, streaming its
 * output live into a log group, and forwards SIGINT and SIGTERM to it so that a cancelled job stops werf too (the
 * post step still cleans up). werf prints what registries, the cluster and the project's files say: its output goes
 * to the log between stop-commands markers (our own group markers outside them), so no line of it is run as a
 * workflow command; stderr goes to stdout inside the same block, to keep the order the two streams had. Resolves
 * when werf exits.
 */
export async function runWerf(
  werfPath: string,
  args: string[],
  opts: { cwd: string; env?: Record<string, string>; title: string },
): Promise<WerfRun> {
  return core.group(opts.title, () =>
    withCommandsStopped(async (write) => {
      const child = spawn(werfPath, args, {
        cwd: opts.cwd,
        env: childEnv(opts.env),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let tail = '';
      const keep = (chunk: string) => {
        write(chunk);
        tail = (tail + chunk).slice(-OUTPUT_TAIL_CHARS);
      };
      // Decoded per stream, so a character split between two chunks stays whole.
      child.stdout.setEncoding('utf8');
      child.stderr.setEncoding('utf8');
      child.stdout.on('data', keep);
      child.stderr.on('data', keep);
      const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
      const onInt = forward('SIGINT');
      const onTerm = forward('SIGTERM');
      process.on('SIGINT', onInt);
      process.on('SIGTERM', onTerm);
      try {
        const exitCode = await new Promise<number>((resolve, reject) => {
          child.on('error', reject);
          child.on('close', (code, signal) => resolve(exitCodeOf(code, signal)));
        });
        return { exitCode, output: tail };
      } finally {
        process.off('SIGINT', onInt);
        process.off('SIGTERM', onTerm);
      }
    }),
  );
}
