import { setTimeout as sleep } from 'node:timers/promises';

/** What {@link waitFor} polls. */
export type Condition = () => boolean | Promise<boolean>;

export interface WaitForOptions {
  /**
   * How long to keep polling: a bound on waiting, never a timing assertion.
   * @default 10_000
   */
  deadlineMs?: number;
  /**
   * The pause between two polls.
   * @default 20
   */
  intervalMs?: number;
}

/**
 * Polls `condition` until it holds or `deadlineMs` passes, then resolves with
 * whether it holds (asked once more after the deadline), so the test asserts the outcome.
 *
 * @example
 * import { waitFor } from '@drove/test-support';
 * expect(await waitFor(() => pool.stats().workers === 0, { deadlineMs: 5000 })).toBe(true);
 */
export async function waitFor(condition: Condition, { deadlineMs = 10_000, intervalMs = 20 }: WaitForOptions = {}): Promise<boolean> {
  const end = Date.now() + deadlineMs;
  while (Date.now() < end) {
    if (await condition()) return true;
    await sleep(intervalMs);
  }
  return condition();
}
