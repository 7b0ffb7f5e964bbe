import { performance } from 'node:perf_hooks';
import type { ExportFailure, ExportProgress, ExportSummary } from '../report.js';

/** Where a {@link RunTally} reports: the failures it keeps, the log and progress callbacks. */
export interface RunTallyCallbacks<F extends ExportFailure> {
  maxFailuresKept: number;
  onLog: ((entry: { type: 'failure' } & F) => void) | undefined;
  onProgress: ((progress: ExportProgress) => void) | undefined;
}

/** The counts a summary starts with, in the order summaries list them. */
export type RunTotals<F extends ExportFailure> = Pick<ExportSummary, 'paths' | 'rendered' | 'failed' | 'interrupted' | 'artifacts' | 'unchanged' | 'bytes'> & {
  failures: F[];
  durationMs: number;
};

/**
 * The counters of an export, local ({@link ExportRun}) or spread over hosts
 * (`RemoteExportRun`): paths seen, rendered and failed, files written or
 * unchanged, the first failures kept, and the progress and failure callbacks
 * they drive. Constant memory: the kept failures are capped.
 */
export class RunTally<F extends ExportFailure> {
  readonly #callbacks: RunTallyCallbacks<F>;
  readonly #startedAt = performance.now();
  readonly #failures: F[] = [];
  seen = 0;
  rendered = 0;
  failed = 0;
  interrupted = 0;
  artifacts = 0;
  unchanged = 0;
  bytes = 0;

  constructor(callbacks: RunTallyCallbacks<F>) {
    this.#callbacks = callbacks;
  }

  /** Counts one file a rendered path wrote (or found unchanged). */
  protected countFile(file: { bytes: number; unchanged: boolean }): void {
    if (file.unchanged) this.unchanged++;
    else {
      this.artifacts++;
      this.bytes += file.bytes;
    }
  }

  /** Counts a rendered path, once its files are counted. */
  protected countRendered(path: string): void {
    this.rendered++;
    this.#progress(path, 'rendered');
  }

  /** Counts a failed path: keeps its failure (up to `maxFailuresKept`) and logs it. */
  protected countFailure(failure: F): void {
    this.failed++;
    if (this.#failures.length < this.#callbacks.maxFailuresKept) this.#failures.push(failure);
    this.#callbacks.onLog?.({ type: 'failure', ...failure });
    this.#progress(failure.path, 'failed');
  }

  /** The counts so far, the kept failures and the time since the run began. */
  protected totals(): RunTotals<F> {
    return {
      paths: this.rendered + this.failed,
      rendered: this.rendered,
      failed: this.failed,
      interrupted: this.interrupted,
      artifacts: this.artifacts,
      unchanged: this.unchanged,
      bytes: this.bytes,
      failures: [...this.#failures],
      durationMs: performance.now() - this.#startedAt,
    };
  }

  #progress(path: string, outcome: 'rendered' | 'failed'): void {
    this.#callbacks.onProgress?.({
      path,
      outcome,
      seen: this.seen,
      done: this.rendered + this.failed,
      rendered: this.rendered,
      failed: this.failed,
      artifacts: this.artifacts,
      unchanged: this.unchanged,
      bytes: this.bytes,
      elapsedMs: performance.now() - this.#startedAt,
    });
  }
}
