import { describe, expect, it } from 'vitest';
import { BuildProgress } from '../src/control/build-progress.js';

describe('BuildProgress', () => {
  it('says what a phase without a count does, instead of 0 / 0', () => {
    const progress = new BuildProgress();
    progress.enter('generate', 'writing 3000 posts');
    expect(progress.view).toMatchObject({ phase: 'generate', done: 0, total: undefined, note: 'writing 3000 posts', share: 0 });
  });

  it('follows each phase whole as the engine counts it, never backwards nor past its total, with sections reporting out of order', () => {
    const progress = new BuildProgress();
    // The blog build's order, as seen on a real run: sections report as their batches finish.
    const sections = [
      ['core', 64, 309],
      ['single', 64, 2969],
      ['core', 309, 309],
      ['single', 960, 2969],
      ['tag', 75, 1143],
      ['single', 1536, 2969],
      ['tag', 1143, 1143],
      ['date', 99, 532],
      ['single', 2969, 2969],
      ['date', 532, 532],
    ] as const;
    const phaseTotal = 309 + 2969 + 1143 + 532;
    let phaseDone = 0;
    let before = progress.view;
    for (const [section, done, total] of sections) {
      phaseDone += 64;
      progress.blogEvent({ phase: 'render', section, done, total, phaseDone: Math.min(phaseDone, phaseTotal), phaseTotal });
      const view = progress.view;
      expect(view).toMatchObject({ phase: 'render', total: phaseTotal, totalFinal: true });
      expect(view.done).toBeGreaterThanOrEqual(before.done);
      expect(view.done).toBeLessThanOrEqual(phaseTotal);
      expect(view.share).toBeGreaterThanOrEqual(before.share);
      before = view;
    }
    // A late event with a smaller count changes nothing; the last one ends the phase.
    progress.blogEvent({ phase: 'render', section: 'core', done: 1, total: 309, phaseDone: 10, phaseTotal });
    expect(progress.view.done).toBe(before.done);
    progress.blogEvent({ phase: 'render', section: 'date', done: 532, total: 532, phaseDone: phaseTotal, phaseTotal });
    expect(progress.view).toMatchObject({ done: phaseTotal, total: phaseTotal, share: 1 });
  });

  it('takes the commit phase count as the whole phase, not a sum of sections', () => {
    const progress = new BuildProgress();
    progress.blogEvent({ phase: 'render', section: 'single', done: 10, total: 10, phaseDone: 10, phaseTotal: 10 });
    for (const [section, done] of [['core', 329], ['tag', 1316], ['single', 1974], ['single', 5258]] as const) {
      progress.blogEvent({ phase: 'commit', section, done, total: 5258, phaseDone: done, phaseTotal: 5258 });
      expect(progress.view).toMatchObject({ phase: 'commit', done, total: 5258, totalFinal: true });
    }
    expect(progress.view.share).toBe(1);
  });

  it('never lowers a count with a late or repeated event, and ends at the total', () => {
    const progress = new BuildProgress();
    progress.count('export', 100, 'pages');
    progress.advance(40);
    progress.advance(30);
    progress.advance(140);
    expect(progress.view).toMatchObject({ phase: 'export', done: 100, total: 100, share: 1 });
    progress.finish('build', 5258, 'files');
    expect(progress.view).toMatchObject({ phase: 'build', done: 5258, total: 5258, totalFinal: true, share: 1 });
  });
});
