/**
 * A job's progress as the dashboard shows it: one named phase at a time, each
 * with its own count, that never runs backwards and never passes its total.
 *
 * @drove/blog-engine reports `render` per section (posts, tags, dates, …),
 * each section's total arriving with its first batch, and `commit` with the
 * whole phase's count on every event. Summing the sections' counts of the
 * commit phase overshot (`commit 1974/10516`), and a render total that grows as
 * sections report made the bar jump back (`render 960/4418 → 3072/4724`). Here
 * a phase's total only ever grows and is marked as a lower bound
 * (`totalFinal: false`) until every section reported; the bar's share never
 * goes down within a phase.
 */
import type { ProgressEvent } from '@drove/blog-engine';
import type { JobProgress } from '../shared/state.js';

export class BuildProgress {
  #view: JobProgress = { phase: '', done: 0, total: undefined, totalFinal: false, unit: '', share: 0, note: '' };
  readonly #sections = new Map<string, { done: number; total: number }>();

  /** A copy of the current view, safe to send. */
  get view(): JobProgress {
    return { ...this.#view };
  }

  /**
   * Enters a phase whose count is not known (generating content, loading and
   * planning): `note` says what happens, truthfully, instead of `0 / 0`.
   */
  enter(phase: string, note: string): void {
    this.#sections.clear();
    this.#view = { phase, done: 0, total: undefined, totalFinal: false, unit: '', share: 0, note };
  }

  /** Enters a phase with a known total (the catalogue's export: one page per path). */
  count(phase: string, total: number, unit: string): void {
    this.#sections.clear();
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
      this.#sections.clear();
      this.#view = { phase: event.phase, done: 0, total: undefined, totalFinal: false, unit: 'files', share: 0, note: '' };
    }
    if (event.phase === 'commit') {
      // Each commit event counts the whole phase (its `section` names only the batch's first file).
      this.#set(Math.max(this.#view.done, Math.min(event.done, event.total)), event.total, true);
      return;
    }
    const section = this.#sections.get(event.section);
    this.#sections.set(event.section, { done: Math.max(section?.done ?? 0, Math.min(event.done, event.total)), total: event.total });
    let done = 0;
    let total = 0;
    for (const counts of this.#sections.values()) {
      done += counts.done;
      total += counts.total;
    }
    this.#set(done, total, false);
  }

  /** The phase ended: its count is its total, whatever events were missed. */
  finish(phase: string, total: number, unit: string): void {
    this.#sections.clear();
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
