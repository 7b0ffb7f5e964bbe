import type { ProgressEvent } from './render-phase.js';
import { etaSeconds, formatDuration } from '@drove/pool/cli';

/** Where progress goes: a terminal gets one line redrawn in place, anything else a few plain lines. */
export interface ProgressTarget {
  write(text: string): unknown;
  isTTY?: boolean | undefined;
  columns?: number | undefined;
}

/** What one progress line shows. */
export interface ProgressSnapshot {
  phase: ProgressEvent['phase'];
  done: number;
  total: number;
  /** Since the phase began, for the ETA. */
  elapsedMs: number;
}

const REDRAW_MS = 100;
/** Plain lines (not a terminal) at these fractions of each phase: four lines a phase, whatever the size of the site. */
const PLAIN_MARKS = [0.25, 0.5, 0.75, 1];

const nouns: Record<ProgressEvent['phase'], string> = { render: 'pages', commit: 'files' };

/**
 * `render  2,048/4,418 pages  46%  ETA 0:07`: the build's live line, cut to
 * the terminal's width so that a carriage return redraws it in place.
 */
export function formatBuildProgress({ phase, done, total, elapsedMs }: ProgressSnapshot, width = 80): string {
  const parts = [phase.padEnd(7), `${format(done)}/${format(total)} ${nouns[phase]}`, `${total > 0 ? Math.floor((done / total) * 100) : 100}%`];
  const eta = etaSeconds(done, total, elapsedMs);
  if (eta !== undefined && done < total) parts.push(`ETA ${formatDuration(eta)}`);
  return parts.join('  ').slice(0, Math.max(1, width - 1));
}

/**
 * The CLI's build progress. On a terminal, one line rewritten in place (at
 * most ten times a second), with the ETA at the phase's pace so far; cleared
 * when the build ends. Elsewhere, a plain line at each quarter of a phase.
 */
export class BuildProgress {
  readonly #out: ProgressTarget;
  readonly #tty: boolean;
  readonly #now: () => number;
  #phase: ProgressEvent['phase'] | undefined;
  #phaseStartedAt = 0;
  #drawnAt = Number.NEGATIVE_INFINITY;
  #drawn = false;
  #nextMark = 0;

  constructor(out: ProgressTarget, now: () => number = () => performance.now()) {
    this.#out = out;
    this.#tty = out.isTTY === true;
    this.#now = now;
  }

  /** A build's `onProgress`. */
  readonly update = (event: ProgressEvent): void => {
    const now = this.#now();
    if (event.phase !== this.#phase) {
      this.#phase = event.phase;
      this.#phaseStartedAt = now;
      this.#nextMark = 0;
      this.#drawnAt = Number.NEGATIVE_INFINITY;
    }
    const snapshot: ProgressSnapshot = { phase: event.phase, done: event.phaseDone, total: event.phaseTotal, elapsedMs: now - this.#phaseStartedAt };
    if (this.#tty) {
      if (now - this.#drawnAt < REDRAW_MS && event.phaseDone < event.phaseTotal) return;
      this.#drawnAt = now;
      this.#out.write(`\r\x1b[2K${formatBuildProgress(snapshot, this.#out.columns || 80)}`);
      this.#drawn = true;
      return;
    }
    let mark: number | undefined;
    while (this.#nextMark < PLAIN_MARKS.length && event.phaseDone >= PLAIN_MARKS[this.#nextMark]! * event.phaseTotal) mark = this.#nextMark++;
    if (mark !== undefined) this.#out.write(`${formatBuildProgress(snapshot)}\n`);
  };

  /** Clears the live line (before the summary, or an error, is printed). */
  stop(): void {
    if (this.#tty && this.#drawn) this.#out.write('\r\x1b[2K');
    this.#drawn = false;
  }
}

function format(count: number): string {
  return count.toLocaleString('en-US');
}
