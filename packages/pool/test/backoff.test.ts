import { describe, expect, it } from 'vitest';
import { Backoff, resolveBackoffOptions, type BackoffOptions } from '@drove/pool/backoff';
import { InvalidOptionError } from '@drove/pool';

/** A random source that plays back `values` in a loop. */
function sequence(...values: number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length]!;
}

function failures(backoff: Backoff, count: number): (number | undefined)[] {
  return Array.from({ length: count }, () => backoff.fail());
}

describe('Backoff', () => {
  it('doubles from baseMs up to maxMs', () => {
    const backoff = new Backoff({ baseMs: 100, maxMs: 1000, jitter: 0 });
    expect(failures(backoff, 7)).toEqual([100, 200, 400, 800, 1000, 1000, 1000]);
    expect(backoff.failures).toBe(7);
  });

  it('grows by the given factor', () => {
    const backoff = new Backoff({ baseMs: 10, factor: 3, maxMs: 1000, jitter: 0 });
    expect(failures(backoff, 5)).toEqual([10, 30, 90, 270, 810]);
  });

  it('keeps a constant delay with factor 1', () => {
    const backoff = new Backoff({ baseMs: 50, factor: 1, maxMs: 1000, jitter: 0 });
    expect(failures(backoff, 4)).toEqual([50, 50, 50, 50]);
  });

  it('spreads each delay within ± jitter with an injected random', () => {
    // random() = 0 → −jitter, 0.5 → none, just under 1 → almost +jitter.
    expect(new Backoff({ baseMs: 1000, maxMs: 100_000, jitter: 0.2, random: () => 0 }).fail()).toBe(800);
    expect(new Backoff({ baseMs: 1000, maxMs: 100_000, jitter: 0.2, random: () => 0.5 }).fail()).toBe(1000);
    expect(new Backoff({ baseMs: 1000, maxMs: 100_000, jitter: 0.2, random: () => 0.999_999 }).fail()).toBe(1200);
    expect(new Backoff({ baseMs: 1000, maxMs: 100_000, jitter: 0.2, random: () => 0.75 }).fail()).toBe(1100);
  });

  it('keeps every jittered delay within its band and under maxMs', () => {
    const random = sequence(0, 0.1, 0.33, 0.5, 0.61, 0.9, 0.999_999);
    const backoff = new Backoff({ baseMs: 100, maxMs: 3000, jitter: 0.25, random });
    for (let n = 1; n <= 12; n++) {
      const nominal = Math.min(3000, 100 * 2 ** (n - 1));
      const delay = backoff.fail();
      expect(delay).toBeDefined();
      expect(delay!).toBeGreaterThanOrEqual(Math.floor(nominal * 0.75));
      expect(delay!).toBeLessThanOrEqual(Math.min(3000, Math.ceil(nominal * 1.25)));
    }
  });

  it('actually varies the delay when jitter is on', () => {
    const low = new Backoff({ baseMs: 1000, maxMs: 10_000, jitter: 0.5, random: () => 0.1 }).fail();
    const high = new Backoff({ baseMs: 1000, maxMs: 10_000, jitter: 0.5, random: () => 0.9 }).fail();
    expect(low).toBe(600);
    expect(high).toBe(1400);
  });

  it('gives up (undefined) once maxFailures consecutive failures are recorded', () => {
    const backoff = new Backoff({ baseMs: 10, maxMs: 1000, jitter: 0, maxFailures: 3 });
    expect(backoff.fail()).toBe(10);
    expect(backoff.exhausted).toBe(false);
    expect(backoff.fail()).toBe(20);
    expect(backoff.fail()).toBeUndefined();
    expect(backoff.exhausted).toBe(true);
    expect(backoff.fail()).toBeUndefined();
    expect(backoff.failures).toBe(4);
  });

  it('never gives up with the default maxFailures', () => {
    const backoff = new Backoff({ baseMs: 1, maxMs: 10, jitter: 0 });
    const delays = failures(backoff, 200);
    expect(delays.every((delay) => delay !== undefined)).toBe(true);
    expect(backoff.exhausted).toBe(false);
  });

  it('starts over from baseMs after succeed()', () => {
    const backoff = new Backoff({ baseMs: 100, maxMs: 10_000, jitter: 0, maxFailures: 3 });
    backoff.fail();
    backoff.fail();
    expect(backoff.peek()).toBe(400);
    backoff.succeed();
    expect(backoff.failures).toBe(0);
    expect(backoff.exhausted).toBe(false);
    expect(backoff.peek()).toBe(100);
    expect(backoff.fail()).toBe(100);
    expect(backoff.fail()).toBe(200);
  });

  it('peek() and delayFor() report the nominal delay without recording anything', () => {
    const backoff = new Backoff({ baseMs: 100, maxMs: 500, jitter: 0.5, random: () => 0 });
    expect(backoff.peek()).toBe(100);
    expect(backoff.peek()).toBe(100);
    expect(backoff.failures).toBe(0);
    expect(Backoff.delayFor(0, backoff.options)).toBe(0);
    expect(Backoff.delayFor(3, backoff.options)).toBe(400);
    expect(Backoff.delayFor(10, backoff.options)).toBe(500);
  });

  it('fills in its documented defaults', () => {
    const options = resolveBackoffOptions();
    expect(options).toMatchObject({ baseMs: 1000, factor: 2, maxMs: 30_000, jitter: 0.2, maxFailures: Number.POSITIVE_INFINITY });
    expect(options.random).toBe(Math.random);
  });
});

describe('Backoff options', () => {
  const cases: [string, BackoffOptions, RegExp][] = [
    ['negative baseMs', { baseMs: -1 }, /`backoff\.baseMs` to be a number of milliseconds >= 0 and <= 2147483647, got `-1` \(number\)/],
    ['NaN baseMs', { baseMs: Number.NaN }, /`backoff\.baseMs` to be a number of milliseconds >= 0 and <= 2147483647, got `NaN` \(number\)/],
    ['factor below 1', { factor: 0.5 }, /`backoff\.factor` to be a finite number >= 1, got `0\.5` \(number\)/],
    ['jitter above 1', { jitter: 2 }, /`backoff\.jitter` to be a finite number >= 0 and <= 1, got `2` \(number\)/],
    ['negative jitter', { jitter: -0.1 }, /`backoff\.jitter` to be a finite number >= 0 and <= 1, got `-0\.1` \(number\)/],
    ['maxFailures 0', { maxFailures: 0 }, /`backoff\.maxFailures` to be an integer >= 1 \(or Infinity\), got `0` \(number\)/],
    ['fractional maxFailures', { maxFailures: 2.5 }, /`backoff\.maxFailures` to be an integer >= 1 \(or Infinity\), got `2\.5`/],
    ['maxMs below baseMs', { baseMs: 500, maxMs: 100 }, /`backoff\.maxMs` \(100\) to be >= `backoff\.baseMs` \(500\)/],
    ['string maxMs', { maxMs: '100' as unknown as number }, /`backoff\.maxMs` to be a number of milliseconds >= 0 and <= 2147483647, got `"100"` \(string\)/],
    ['random not a function', { random: 0.5 as unknown as () => number }, /`backoff\.random` to be a function, got `0\.5`/],
  ];

  it.each(cases)('refuses %s', (_label, options, message) => {
    expect(() => new Backoff(options)).toThrow(InvalidOptionError);
    expect(() => new Backoff(options)).toThrow(message);
    try {
      new Backoff(options);
    } catch (error) {
      expect((error as InvalidOptionError).code).toBe('ERR_POOL_INVALID_OPTION');
    }
  });

  it('prefixes option names with the name it is given', () => {
    expect(() => resolveBackoffOptions({ baseMs: -5 }, 'spawnBackoff')).toThrow(
      'Expected `spawnBackoff.baseMs` to be a number of milliseconds >= 0 and <= 2147483647, got `-5` (number)',
    );
  });

  it('accepts Infinity for maxFailures and 0 for baseMs', () => {
    const backoff = new Backoff({ baseMs: 0, maxMs: 0, maxFailures: Number.POSITIVE_INFINITY });
    expect(backoff.fail()).toBe(0);
    expect(backoff.fail()).toBe(0);
  });
});
