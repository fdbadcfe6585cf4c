/**
 * A failure the user can act on: `message` is the one sentence that goes to `core.setFailed` (what failed and what to
 * do); `details` go to the log; `file`/`line` make an annotation point at the place.
 */
export class ActionError extends Error {
  readonly details?: string;
  readonly file?: string;
  readonly line?: number;

  constructor(message: string, opts: { details?: string; file?: string; line?: number } = {}) {
    super(message);
    this.name = 'ActionError';
    this.details = opts.details;
    this.file = opts.file;
    this.line = opts.line;
  }
}

/**
 * Several problems reported as one failure, so a user fixes them all in one go: one problem as it is; more as
 * "N <what>: ..." (`what`: "inputs are wrong"), each also on a line of its own in the details.
 */
export function combineProblems(problems: string[], what: string): ActionError {
  if (problems.length === 1) return new ActionError(problems[0] as string);
  return new ActionError(`${problems.length} ${what}: ${problems.join(' ')}`, {
    details: problems.map((p) => `- ${p}`).join('\n'),
  });
}
