// What `drove-export` and `drove-export --remote` do alike around an export: a first SIGINT/SIGTERM
// aborts it and a second stops at once, the exit code, and the summary on standard output.
import { UsageError } from '@drove/pool/cli';
import { StaticExportError } from '../errors.js';
import type { ProgressView } from './progress-view.js';

const signalExitCodes: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

/** The counts the head of a printed summary shows. */
interface SummaryCounts {
  paths: number;
  rendered: number;
  failed: number;
  durationMs: number;
  aborted: boolean;
  failures: readonly { path: string; code: string; message: string }[];
}

/** How {@link runCliExport} runs one export and prints its summary. */
export interface CliExport<S extends SummaryCounts> {
  /** The progress shown on standard error; stopped before the summary is printed. */
  view: ProgressView;
  /** What the first signal does, after `SIGINT: `. */
  stopping: string;
  /** Runs the export with the signal the first SIGINT/SIGTERM aborts. */
  run(signal: AbortSignal): Promise<S>;
  /** The summary an aborted export's error carries, else `undefined`. */
  abortedSummary(error: unknown): S | undefined;
  /** A failure the user can fix, for an error of the export, else `undefined`. */
  knownFailure?(error: StaticExportError): Error | undefined;
  json: boolean;
  report(summary: S): string;
}

/**
 * Runs an export for the command line and prints its summary. Resolves with
 * the exit code: 0 all rendered, 1 some path failed, 130 (SIGINT) or 143
 * (SIGTERM) interrupted.
 *
 * @throws {UsageError} for `ERR_EXPORT_INVALID_OPTION`.
 */
export async function runCliExport<S extends SummaryCounts>({ view, stopping, run, abortedSummary, knownFailure, json, report }: CliExport<S>): Promise<number> {
  const controller = new AbortController();
  let stoppedBy: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stoppedBy) {
      // A second signal: stop now. Forked children exit when their IPC channel closes.
      view.stop();
      process.exit(signalExitCodes[signal] ?? 1);
    }
    stoppedBy = signal;
    view.note(`${signal}: ${stopping} (again to stop at once)`);
    controller.abort(new Error(`Interrupted by ${signal}`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let summary: S;
  let code: number;
  try {
    summary = await run(controller.signal);
    code = summary.failed > 0 ? 1 : 0;
  } catch (error) {
    view.stop();
    const aborted = abortedSummary(error);
    if (aborted === undefined) {
      if (error instanceof StaticExportError && error.code === 'ERR_EXPORT_INVALID_OPTION') throw new UsageError(error.message);
      throw (error instanceof StaticExportError && knownFailure?.(error)) || error;
    }
    summary = aborted;
    code = signalExitCodes[stoppedBy ?? 'SIGINT'] ?? 130;
  }
  view.stop();
  const text = json ? `${JSON.stringify(summary)}\n` : report(summary);
  await new Promise<void>((done) => process.stdout.write(text, () => done()));
  return code;
}

/** A printed summary's first line: `✓ 10 paths finished: 10 rendered, 0 failed, in 1.2 s (8 pages/s)`. */
export function summaryHead(summary: SummaryCounts): string {
  const seconds = summary.durationMs / 1000;
  const rate = seconds > 0 ? Math.round(summary.paths / seconds) : summary.paths;
  const head = summary.aborted ? 'interrupted:' : summary.failed > 0 ? '✗' : '✓';
  return `${head} ${summary.paths} paths finished: ${summary.rendered} rendered, ${summary.failed} failed, in ${seconds.toFixed(1)} s (${rate} pages/s)`;
}

/** A printed summary's last lines: the kept failures, and how many more there were. */
export function failureLines(summary: SummaryCounts): string[] {
  const lines = summary.failures.map((failure) => `  ✗ ${failure.path}: ${failure.code} ${failure.message}`);
  if (summary.failed > summary.failures.length) lines.push(`  … and ${summary.failed - summary.failures.length} more failures`);
  return lines;
}
