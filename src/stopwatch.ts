import * as core from '@actions/core';

/** How long one stage of the pipeline took, for the job summary. */
export interface StageTiming {
  stage: string;
  seconds: number;
  ok: boolean;
}

/** Times the pipeline's stages in the order they run. */
export class Stopwatch {
  readonly stages: StageTiming[] = [];

  /**
   * Runs one stage and records its duration, whether it succeeded or threw. `group` folds the stage's log lines
   * into a log group (GitHub does not nest groups, so a stage that groups its own output passes false);
   * `succeeded` tells a stage that returned a negative answer (not verified, not pullable) from one that passed.
   */
  async time<T>(
    stage: string,
    run: () => Promise<T>,
    opts: { group?: boolean; succeeded?: (result: T) => boolean } = {},
  ): Promise<T> {
    const started = performance.now();
    let ok = false;
    try {
      const result = opts.group === false ? await run() : await core.group(stage, run);
      ok = opts.succeeded ? opts.succeeded(result) : true;
      return result;
    } finally {
      this.stages.push({ stage, seconds: (performance.now() - started) / 1000, ok });
    }
  }
}
