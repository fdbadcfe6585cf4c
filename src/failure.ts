import * as core from '@actions/core';
import { ActionError } from './errors.js';
import { logUntrusted, oneLine } from './untrusted.js';
import { sourceStack } from './stack.js';

/**
 * Ends the job with one `core.setFailed` line: an ActionError's sentence (its details to the log, an annotation where
 * a file and line are known), or, for anything unexpected, the error's message with the stack in the debug log.
 */
export function reportFailure(err: unknown): void {
  if (err instanceof ActionError) {
    // Details quote werf, registries and files: shown, never run as workflow commands.
    if (err.details) logUntrusted(err.details);
    if (err.file) {
      // The same one line, as an annotation at the place (setFailed would print it a second time).
      core.error(err.message, { file: err.file, startLine: err.line });
      // 1, as core.setFailed sets it (not core.ExitCode: @github/local-action's stand-in for core has no such enum).
      process.exitCode = 1;
    } else {
      core.setFailed(err.message);
    }
    return;
  }
  const error = err instanceof Error ? err : new Error(String(err));
  if (error.stack) core.debug(sourceStack(error.stack));
  // An unexpected error's message may quote anything (a server's answer, a file): one plain line.
  core.setFailed(`Unexpected failure: ${oneLine(error.message)}`);
}
