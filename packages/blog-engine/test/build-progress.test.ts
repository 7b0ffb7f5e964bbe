import { describe, expect, it } from 'vitest';
import { BuildProgress, formatBuildProgress, type ProgressTarget } from '../src/internal/build-progress.js';
import type { ProgressEvent } from '../src/internal/render-phase.js';

function event(phase: ProgressEvent['phase'], phaseDone: number, phaseTotal: number): ProgressEvent {
  return { phase, section: 'single', done: phaseDone, total: phaseTotal, phaseDone, phaseTotal };
}

function target(isTTY: boolean): ProgressTarget & { text: string } {
  const out = { text: '', isTTY, columns: 100, write: (chunk: string) => (out.text += chunk) };
  return out;
}

describe('the build progress line', () => {
  it('shows the phase, counts of the whole phase, the percentage and the ETA at the pace so far', () => {
    expect(formatBuildProgress({ phase: 'render', done: 2500, total: 10_000, elapsedMs: 5000 })).toBe('render   2,500/10,000 pages  25%  ETA 0:15');
    expect(formatBuildProgress({ phase: 'commit', done: 0, total: 40, elapsedMs: 0 })).toBe('commit   0/40 files  0%');
    expect(formatBuildProgress({ phase: 'commit', done: 40, total: 40, elapsedMs: 900 })).toBe('commit   40/40 files  100%');
    expect(formatBuildProgress({ phase: 'render', done: 1, total: 100_000, elapsedMs: 3_600_000 })).toContain('ETA 99999:');
  });

  it('never passes the terminal width, so a carriage return redraws it in place', () => {
    expect(formatBuildProgress({ phase: 'render', done: 123_456, total: 1_000_000, elapsedMs: 60_000 }, 20)).toHaveLength(19);
  });

  it('on a terminal rewrites one line at most ten times a second, the last state always, and clears it', () => {
    let now = 0;
    const tty = target(true);
    const view = new BuildProgress(tty, () => now);
    for (let done = 1; done <= 100; done++) {
      now += 10;
      view.update(event('render', done, 100));
    }
    view.stop();
    const draws = tty.text.split('\r\x1b[2K').filter(Boolean);
    expect(draws.length).toBeLessThanOrEqual(11);
    expect(draws.at(-1)).toBe('render   100/100 pages  100%');
    expect(tty.text.endsWith('\r\x1b[2K')).toBe(true);
    expect(tty.text).not.toContain('\n');
  });

  it('takes a terminal that reports no width (0 columns under script(1)) as 80 columns wide', () => {
    const out = { text: '', isTTY: true, columns: 0, write: (chunk: string) => (out.text += chunk) };
    new BuildProgress(out, () => 0).update(event('render', 5, 10));
    expect(out.text).toBe('\r\x1b[2Krender   5/10 pages  50%');
  });

  it('elsewhere writes a plain line at each quarter of a phase, with no carriage return', () => {
    let now = 0;
    const plain = target(false);
    const view = new BuildProgress(plain, () => (now += 100));
    for (let done = 1; done <= 10_000; done += 7) view.update(event('render', Math.min(done, 10_000), 10_000));
    view.update(event('render', 10_000, 10_000));
    for (let done = 500; done <= 10_000; done += 500) view.update(event('commit', done, 10_000));
    view.stop();
    expect(plain.text).not.toContain('\r');
    const lines = plain.text.trimEnd().split('\n');
    expect(lines).toHaveLength(8);
    expect(lines.map((line) => line.split(/\s+/)[0])).toEqual(['render', 'render', 'render', 'render', 'commit', 'commit', 'commit', 'commit']);
    expect(lines[3]).toBe('render   10,000/10,000 pages  100%');
  });
});
