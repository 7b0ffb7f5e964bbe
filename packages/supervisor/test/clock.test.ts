import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ManualClock, systemClock } from '@drove/supervisor';

// In plain Node, as users load it: vitest would load the test's own import of pool apart from the built package's.
it("is pool's clock, re-exported: one class, one system clock", async () => {
  const script = `
    const supervisor = await import('@drove/supervisor');
    const pool = await import('@drove/pool/clock');
    console.log(JSON.stringify([supervisor.ManualClock === pool.ManualClock, supervisor.systemClock === pool.systemClock]));`;
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
    cwd: fileURLToPath(new URL('.', import.meta.url)),
  });
  expect(JSON.parse(stdout)).toEqual([true, true]);
});

describe('ManualClock', () => {
  it('fires timers in due order as time is advanced, including timers set by a callback', () => {
    const clock = new ManualClock(100);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push(`b@${clock.now()}`), 20);
    clock.setTimeout(() => {
      fired.push(`a@${clock.now()}`);
      clock.setTimeout(() => fired.push(`c@${clock.now()}`), 5);
    }, 10);
    const cancelled = clock.setTimeout(() => fired.push('never'), 15);
    clock.clearTimeout(cancelled);
    expect(clock.pending).toBe(2);
    expect(clock.nextDueAt()).toBe(110);
    clock.advance(9);
    expect(fired).toEqual([]);
    clock.advance(30);
    expect(fired).toEqual(['a@110', 'c@115', 'b@120']);
    expect(clock.now()).toBe(139);
    expect(clock.nextDueAt()).toBeUndefined();
    clock.advanceTo(100);
    expect(clock.now()).toBe(139);
  });

  it('fires timers of the same due time in the order they were set', () => {
    const clock = new ManualClock();
    const fired: number[] = [];
    for (let i = 0; i < 5; i++) clock.setTimeout(() => fired.push(i), 10);
    clock.advanceTo(10);
    expect(fired).toEqual([0, 1, 2, 3, 4]);
  });

  it('the system clock is monotonic and its timers fire', async () => {
    const start = systemClock.now();
    await new Promise<void>((resolve) => systemClock.setTimeout(resolve, 5));
    expect(systemClock.now()).toBeGreaterThan(start);
    let fired = false;
    const timer = systemClock.setTimeout(() => (fired = true), 1);
    systemClock.clearTimeout(timer);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(fired).toBe(false);
  });
});
