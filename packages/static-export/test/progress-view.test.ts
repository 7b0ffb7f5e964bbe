import { describe, expect, it } from 'vitest';
import { formatLogLine, formatProgressLine, ProgressView, type ProgressTarget } from '../src/internal/progress-view.js';
import type { ExportProgress } from '../src/report.js';

function progress(seen: number, done: number, elapsedMs: number, failed = 0): ExportProgress {
  return { path: `/p/${seen}`, outcome: 'rendered', seen, done, rendered: done - failed, failed, artifacts: done, unchanged: 0, bytes: 0, elapsedMs };
}

function target(isTTY: boolean): ProgressTarget & { text: string } {
  const out = { text: '', isTTY, columns: 100, write: (chunk: string) => (out.text += chunk) };
  return out;
}

describe('the progress line', () => {
  it('shows counts, pages/s, the ETA at the pace so far and failures, with a bar when the total is known', () => {
    const line = formatProgressLine(progress(1000, 990, 10_000, 2), { total: 4000, pagesPerSecond: 99.4, width: 120 });
    expect(line).toBe(`${'█'.repeat(8)}${'░'.repeat(22)} 1,000/4,000 paths, 990 pages  99 pages/s  ETA 0:30  2 failed`);
  });

  it('has no ETA and no bar when the number of paths is unknown (standard input)', () => {
    expect(formatProgressLine(progress(10, 10, 1000), { total: undefined, pagesPerSecond: 10, width: 80 })).toBe('10 pages  10 pages/s  0 failed');
  });

  it('never passes the terminal width, so a carriage return redraws it in place', () => {
    const line = formatProgressLine(progress(123_456, 123_000, 60_000), { total: 1_000_000, pagesPerSecond: 2050, width: 40 });
    expect(line.length).toBeLessThanOrEqual(39);
    expect(line).not.toContain('█');
  });

  it('redraws one line on a terminal and writes plain lines elsewhere', () => {
    const tty = target(true);
    const onTty = new ProgressView(tty, { total: 10, quiet: false });
    onTty.update(progress(5, 5, 1000));
    onTty.log({ path: '/x', level: 'warn', message: 'careful' });
    onTty.stop();
    expect(tty.text).toContain('\r\x1b[2K');
    expect(tty.text).toContain('warn /x: careful\n');

    const plain = target(false);
    const view = new ProgressView(plain, { total: 10, quiet: false });
    for (let i = 1; i <= 10; i++) view.update(progress(i, i, i * 3000));
    view.log({ path: '/x', level: 'error', message: 'broken' });
    view.failure({ path: '/y', code: 'ERR_EXPORT_RENDER_FAILED', message: 'no page', stack: undefined });
    view.stop();
    expect(plain.text).not.toContain('\r');
    expect(plain.text).not.toContain('\x1b');
    expect(plain.text.split('\n').filter((l) => l.includes('paths,')).length).toBeGreaterThan(1);
    expect(plain.text).toContain('error /x: broken\n✗ /y: ERR_EXPORT_RENDER_FAILED no page\n');
  });

  it('takes a terminal that reports no width (0 columns under script(1)) as 80 columns wide', () => {
    const out = { text: '', isTTY: true, columns: 0, write: (chunk: string) => (out.text += chunk) };
    const view = new ProgressView(out, { total: undefined, quiet: false });
    view.update(progress(3, 3, 1000));
    view.note('a note');
    view.stop();
    expect(out.text).toContain('3 pages  3 pages/s  0 failed');
  });

  it('formats a log entry as level, path and message', () => {
    expect(formatLogLine({ path: '/about', level: 'info', message: 'ok' })).toBe('info /about: ok');
  });
});
