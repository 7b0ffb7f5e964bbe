/**
 * A job's progress as the dashboard shows it: one named phase at a time, each
 * with its own count, that never runs backwards and never passes its total.
 *
 * @drove/blog-engine counts each phase whole (`phaseDone` of `phaseTotal`,
 * the total known from the first event), so a blog phase's total is final at
 * once. Counts of other jobs that learn their total late only ever grow it
 * (`totalFinal: false` until then); the bar's share never goes down within a
 * phase.
 */
import type { ProgressEvent } from '@drove/blog-engine';
import type { JobProgress } from '../shared/state.js';

export class BuildProgress {
  #view: JobProgress = { phase: '', done: 0, total: undefined, totalFinal: false, unit: '', share: 0, note: '' };

  /** A copy of the current view, safe to send. */
  get view(): JobProgress {
    return { ...this.#view };
  }

  /**
   * Enters a phase whose count is not known (generating content, loading and
   * planning): `note` says what happens, truthfully, instead of `0 / 0`.
   */
  enter(phase: string, note: string): void {
    this.#view = { phase, done: 0, total: undefined, totalFinal: false, unit: '', share: 0, note };
  }

  /** Enters a phase with a known total (the catalogue's export: one page per path). */
  count(phase: string, total: number, unit: string): void {
    this.#view = { phase, done: 0, total, totalFinal: true, unit, share: total === 0 ? 1 : 0, note: '' };
  }

  /** The number done so far in a phase entered with {@link count}. */
  advance(done: number): void {
    const view = this.#view;
    if (view.total === undefined) return;
    this.#set(Math.max(view.done, Math.min(done, view.total)), view.total, true);
  }

  /** A progress event of a blog build. */
  blogEvent(event: ProgressEvent): void {
    if (this.#view.phase !== event.phase) {
      this.#view = { phase: event.phase, done: 0, total: undefined, totalFinal: false, unit: 'files', share: 0, note: '' };
    }
    // The engine counts each phase whole (`phaseDone` of `phaseTotal`, known from its first event): a late event never lowers it.
    this.#set(Math.max(this.#view.done, Math.min(event.phaseDone, event.phaseTotal)), event.phaseTotal, true);
  }

  /** The phase ended: its count is its total, whatever events were missed. */
  finish(phase: string, total: number, unit: string): void {
    this.#view = { phase, done: total, total, totalFinal: true, unit, share: 1, note: '' };
  }

  #set(done: number, total: number, totalFinal: boolean): void {
    const view = this.#view;
    const grown = Math.max(total, view.total ?? 0, done);
    // The share never goes down within a phase: a section reporting late widens the total, not the bar's lead.
    const share = Math.max(view.share, grown === 0 ? 0 : done / grown);
    this.#view = { ...view, done, total: grown, totalFinal, share: Math.min(1, share), note: '' };
  }
}
