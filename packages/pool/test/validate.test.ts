import { describe, expect, it } from 'vitest';
import { createCheck, describeValue, MAX_TIMER_MS, Problems } from '@drove/pool/validate';

class SpecError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid spec:\n- ${problems.join('\n- ')}`);
  }
}

describe('Problems', () => {
  it('collects every problem and fails once with the whole list', () => {
    const problems = new Problems();
    expect(problems.count('replicas', 0, { min: 1 })).toBe(false);
    expect(problems.oneOf('restart', 'sometimes', ['permanent', 'transient'])).toBe(false);
    expect(problems.duration('graceMs', 2 ** 31)).toBe(false);
    expect(problems.keys('spec', { name: 'web', nmae: 'x' }, ['name'])).toBe(false);
    expect(problems.stringRecord('env', { A: 'x', B: 2 })).toBe(false);
    expect(problems.string('name', 'web')).toBe(true);
    expect(problems.clock('clock', { now: () => 0, setTimeout: () => 1, clearTimeout: () => undefined })).toBe(true);
    expect(problems.list).toEqual([
      'Expected `replicas` to be an integer >= 1, got `0` (number)',
      'Expected `restart` to be one of `permanent`, `transient`, got `"sometimes"` (string)',
      `Expected \`graceMs\` to be a number of milliseconds >= 0 and <= ${MAX_TIMER_MS}, got \`2147483648\` (number)`,
      'Unknown option `spec.nmae` (known: name)',
      'Expected `env.B` to be a string, got `2` (number)',
    ]);
    expect(() => problems.throwIfAny((list) => new SpecError(list))).toThrow(SpecError);
    const fine = new Problems();
    fine.number('ratio', 0.5, { min: 0, max: 1 });
    expect(() => fine.throwIfAny((list) => new SpecError(list))).not.toThrow();
  });
});

describe('createCheck', () => {
  it('throws the given error class at the first problem, and lets valid values pass', () => {
    const check = createCheck((message) => new RangeError(message));
    expect(() => check.count('maxWorkers', 0, { min: 1 })).toThrow(new RangeError('Expected `maxWorkers` to be an integer >= 1, got `0` (number)'));
    expect(() => check.fail('worker', 'a path', 3)).toThrow(RangeError);
    expect(() => check.duration('idleTimeoutMs', Number.POSITIVE_INFINITY, { infinite: true })).not.toThrow();
    expect(() => check.signal('signal', new AbortController().signal)).not.toThrow();
    expect(() => check.clock('clock', { now: () => 0 })).toThrow(
      new RangeError('Expected `clock` to be an object with now(), setTimeout() and clearTimeout(), got `{}` (object)'),
    );
  });

  it('describes values the same way everywhere', () => {
    expect(describeValue(new URL('file:///x.mjs'))).toBe('`file:///x.mjs` (URL)');
    expect(describeValue([1, 2])).toBe('`[1,2]` (array)');
    expect(describeValue(null)).toBe('`null`');
  });
});
