/** How long one stage of the pipeline took, for the job summary. */
export interface StageTiming {
  stage: string;
  seconds: number;
  ok: boolean;
}

/** Times the pipeline's stages in the order they run. */
export class Stopwatch {
  readonly stages: StageTiming[] = [];

  /** Runs one stage and records its duration, whether it succeeded or threw. */
  async time<T>(stage: string, run: () => Promise<T>): Promise<T> {
    const started = performance.now();
    let ok = false;
    try {
      const result = await run();
      ok = true;
      return result;
    } finally {
      this.stages.push({ stage, seconds: (performance.now() - started) / 1000, ok });
    }
  }
}
