import type { ExportFailure, ExportProgress } from '../report.js';

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
    let line = this.#status(progress);
    const width = this.#out.columns ?? 80;
    const room = Math.min(30, width - line.length - 2);
    if (this.#total !== undefined && this.#total > 0 && room >= 10) {
      const filled = Math.round((Math.min(progress.seen, this.#total) / this.#total) * room);
      line = `${'█'.repeat(filled)}${'░'.repeat(room - filled)} ${line}`;
    }
    this.#out.write(`\r\x1b[2K${line.slice(0, width - 1)}`);
    this.#drawn = true;
  }

  #status(progress: ExportProgress): string {
    const rate = this.#rate(progress);
    const parts = [`${format(progress.done)} pages`];
    if (this.#total !== undefined) parts[0] = `${format(progress.seen)}/${format(this.#total)} paths, ${format(progress.done)} pages`;
    parts.push(`${format(Math.round(rate))} pages/s`);
    if (this.#total !== undefined && progress.seen > 0) {
      const seenRate = progress.seen / (progress.elapsedMs / 1000);
      const remaining = Math.max(0, this.#total - progress.seen);
      if (seenRate > 0) parts.push(`ETA ${duration(remaining / seenRate)}`);
    }
    parts.push(`${format(progress.failed)} failed`);
    return parts.join('  ');
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

function format(count: number): string {
  return count.toLocaleString('en-US');
}

function duration(seconds: number): string {
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${rest}` : `${m}:${rest}`;
}
