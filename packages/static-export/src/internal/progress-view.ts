import type { LogLevel } from '../renderer.js';
import type { ExportFailure, ExportProgress } from '../report.js';
import { etaSeconds, formatDuration } from '@drove/pool/cli';

/** Where progress goes: a terminal gets one redrawn line, anything else plain lines. */
export interface ProgressTarget {
  write(text: string): unknown;
  isTTY?: boolean | undefined;
  columns?: number | undefined;
}

const REDRAW_MS = 100;
const PLAIN_EVERY_MS = 5000;
const RATE_WINDOW_MS = 3000;

/**
 * The CLI's progress: on a terminal a bar redrawn ten times a second (pages/s
 * over the last few seconds, ETA when the number of paths is known, failures),
 * elsewhere a status line every few seconds; failures are printed as they
 * happen in both.
 */
export class ProgressView {
  readonly #out: ProgressTarget;
  readonly #tty: boolean;
  readonly #total: number | undefined;
  readonly #quiet: boolean;
  #last: ExportProgress | undefined;
  #timer: NodeJS.Timeout | undefined;
  #lastPlainAt = 0;
  /** (time, seen) samples of the last few seconds, for the rate. */
  readonly #samples: [number, number][] = [];
  #drawn = false;

  constructor(out: ProgressTarget, { total, quiet }: { total: number | undefined; quiet: boolean }) {
    this.#out = out;
    this.#tty = out.isTTY === true;
    this.#total = total;
    this.#quiet = quiet;
    if (this.#tty && !quiet) {
      this.#timer = setInterval(() => this.#draw(), REDRAW_MS);
      this.#timer.unref();
    }
  }

  update(progress: ExportProgress): void {
    this.#last = progress;
    if (this.#quiet || this.#tty) return;
    const now = progress.elapsedMs;
    if (now - this.#lastPlainAt >= PLAIN_EVERY_MS) {
      this.#lastPlainAt = now;
      this.#out.write(`${this.#status(progress)}\n`);
    }
  }

  failure(failure: ExportFailure): void {
    this.note(`✗ ${failure.path}: ${failure.code} ${failure.message}`);
  }

  /** A renderer's `ctx.log()` line, above the bar. */
  log(entry: { path: string; level: LogLevel; message: string }): void {
    this.note(formatLogLine(entry));
  }

  /** Prints a line above the bar. */
  note(line: string): void {
    this.#clear();
    this.#out.write(`${line}\n`);
    if (this.#tty && !this.#quiet) this.#draw();
  }

  /** Stops redrawing and clears the bar. */
  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#clear();
  }

  #clear(): void {
    if (this.#tty && this.#drawn) {
      this.#out.write('\r\x1b[2K');
      this.#drawn = false;
    }
  }

  #draw(): void {
    const progress = this.#last;
    if (!progress) return;
    this.#out.write(`\r\x1b[2K${formatProgressLine(progress, { total: this.#total, pagesPerSecond: this.#rate(progress), width: this.#out.columns || 80 })}`);
    this.#drawn = true;
  }

  #status(progress: ExportProgress): string {
    return progressStatus(progress, this.#total, this.#rate(progress));
  }

  #rate(progress: ExportProgress): number {
    const now = progress.elapsedMs;
    const samples = this.#samples;
    samples.push([now, progress.done]);
    while (samples.length > 2 && now - samples[0]![0] > RATE_WINDOW_MS) samples.shift();
    const [then, doneThen] = samples[0]!;
    if (now - then < 1) return progress.elapsedMs > 0 ? progress.done / (progress.elapsedMs / 1000) : 0;
    return ((progress.done - doneThen) * 1000) / (now - then);
  }
}

/**
 * The live line on a terminal: a bar when the number of paths is known and
 * there is room, the counts, pages/s, the ETA and the failures, cut to the
 * terminal's width (never wrapped, so `\r` redraws it in place).
 */
export function formatProgressLine(progress: ExportProgress, { total, pagesPerSecond, width }: { total: number | undefined; pagesPerSecond: number; width: number }): string {
  let line = progressStatus(progress, total, pagesPerSecond);
  const room = Math.min(30, width - line.length - 2);
  if (total !== undefined && total > 0 && room >= 10) {
    const filled = Math.round((Math.min(progress.seen, total) / total) * room);
    line = `${'█'.repeat(filled)}${'░'.repeat(room - filled)} ${line}`;
  }
  return line.slice(0, Math.max(1, width - 1));
}

/** `1,024/4,096 paths, 1,020 pages  850 pages/s  ETA 0:04  0 failed`: the status without the bar (the plain lines). */
export function progressStatus(progress: ExportProgress, total: number | undefined, pagesPerSecond: number): string {
  const parts = [`${format(progress.done)} pages`];
  if (total !== undefined) parts[0] = `${format(progress.seen)}/${format(total)} paths, ${format(progress.done)} pages`;
  parts.push(`${format(Math.round(pagesPerSecond))} pages/s`);
  const eta = total === undefined ? undefined : etaSeconds(progress.seen, total, progress.elapsedMs);
  if (eta !== undefined) parts.push(`ETA ${formatDuration(eta)}`);
  parts.push(`${format(progress.failed)} failed`);
  return parts.join('  ');
}

/** A renderer's `ctx.log()` line as the CLI prints it: `warn /about: no image for the header`. */
export function formatLogLine(entry: { path: string; level: LogLevel; message: string }): string {
  return `${entry.level} ${entry.path}: ${entry.message}`;
}

function format(count: number): string {
  return count.toLocaleString('en-US');
}
