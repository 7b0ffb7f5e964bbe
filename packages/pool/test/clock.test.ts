import { describe, expect, it } from 'vitest';
import { ManualClock, systemClock } from '@drove/pool/clock';

describe('ManualClock', () => {
  it('fires timers in due order only when time is advanced, including timers set by callbacks', () => {
    const clock = new ManualClock(1000);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push('b@300'), 300);
    clock.setTimeout(() => {
      fired.push('a@100');
      clock.setTimeout(() => fired.push('c@250'), 150);
    }, 100);
    const cancelled = clock.setTimeout(() => fired.push('never'), 200);
    clock.clearTimeout(cancelled);
    expect(clock.pending).toBe(2);
    clock.advance(99);
    expect(fired).toEqual([]);
    clock.advance(201);
    expect(fired).toEqual(['a@100', 'c@250', 'b@300']);
    expect(clock.now()).toBe(1300);
    expect(clock.nextDueAt()).toBeUndefined();
    clock.advanceTo(1200);
    expect(clock.now()).toBe(1300);
  });
});

describe('systemClock', () => {
  it('reads epoch milliseconds that never go backwards, and fires real timers', async () => {
    const first = systemClock.now();
    expect(Math.abs(first - Date.now())).toBeLessThan(60_000);
    const fired = await new Promise<boolean>((resolve) => systemClock.setTimeout(() => resolve(true), 5, { unref: true }));
    expect(fired).toBe(true);
    expect(systemClock.now()).toBeGreaterThanOrEqual(first);
  });
});
