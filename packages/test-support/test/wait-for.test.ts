import { describe, expect, it } from 'vitest';
import { waitFor } from '@drove/test-support';

describe('waitFor', () => {
  it('resolves true once an async condition holds', async () => {
    let calls = 0;
    expect(await waitFor(async () => ++calls === 3, { intervalMs: 1 })).toBe(true);
    expect(calls).toBe(3);
  });

  it('asks once more when the deadline has passed, and resolves with that answer', async () => {
    let calls = 0;
    expect(await waitFor(() => (++calls, false), { deadlineMs: 0 })).toBe(false);
    expect(await waitFor(() => (++calls, true), { deadlineMs: 0 })).toBe(true);
    expect(calls).toBe(2);
  });

  it('rejects with the error a condition throws', async () => {
    await expect(
      waitFor(() => {
        throw new Error('broken condition');
      }),
    ).rejects.toThrow('broken condition');
  });
});
