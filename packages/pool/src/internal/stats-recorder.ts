import { createHistogram, performance, type RecordableHistogram } from 'node:perf_hooks';

/** Percentiles of a duration, in milliseconds. */
export interface DurationSummary {
  count: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/**
 * Records run and wait times in Node's native histograms (constant memory,
 * ~50 ns a record), in microseconds.
 */
export class StatsRecorder {
  readonly #run: RecordableHistogram = createHistogram();
  readonly #wait: RecordableHistogram = createHistogram();
  readonly startedAt = performance.now();
  /** Milliseconds of task running summed over all workers. */
  runTotalMs = 0;
  completed = 0;
  failed = 0;

  recordRun(ms: number): void {
    this.runTotalMs += ms;
    this.#run.record(Math.max(1, Math.round(ms * 1000)));
  }

  recordWait(ms: number): void {
    this.#wait.record(Math.max(1, Math.round(ms * 1000)));
  }

  runTime(): DurationSummary {
    return summarize(this.#run);
  }

  waitTime(): DurationSummary {
    return summarize(this.#wait);
  }
}

function summarize(histogram: RecordableHistogram): DurationSummary {
  const count = histogram.count;
  if (count === 0) return { count: 0, mean: 0, p50: 0, p90: 0, p99: 0, max: 0 };
  const ms = (micros: number) => Math.round(micros) / 1000;
  return {
    count,
    mean: ms(histogram.mean),
    p50: ms(histogram.percentile(50)),
    p90: ms(histogram.percentile(90)),
    p99: ms(histogram.percentile(99)),
    max: ms(histogram.max),
  };
}
