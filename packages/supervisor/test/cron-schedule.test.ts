import { describe, expect, it } from 'vitest';
import { InvalidSpecError, resolveChildSpec, Supervisor, type ChildSpec } from '@drove/supervisor';
import { CronSchedule } from '../src/internal/cron-schedule.js';
import { readyChild } from './helpers.js';

/** The next time `pattern` falls after `after` (an ISO time), as an ISO time; times read in UTC unless told. */
const next = (pattern: string, after: string, timezone = 'UTC'): string | undefined => {
  const at = new CronSchedule(pattern, timezone).next(Date.parse(after));
  return at === undefined ? undefined : new Date(at).toISOString();
};

// 1 January 2026 is a Thursday.
describe('CronSchedule: the examples of crontab(5)', () => {
  it.each([
    ['5 0 * * *', 'five minutes after midnight, every day', '2026-01-01T00:05:00Z', '2026-01-02T00:05:00.000Z'],
    ['15 14 1 * *', '14:15 on the first of every month', '2026-01-01T14:15:00Z', '2026-02-01T14:15:00.000Z'],
    ['0 22 * * 1-5', '22:00 on weekdays: Friday night, then Monday', '2026-01-02T23:00:00Z', '2026-01-05T22:00:00.000Z'],
    ['23 0-23/2 * * *', '23 minutes after midnight, 2am, 4am …', '2026-01-01T00:23:00Z', '2026-01-01T02:23:00.000Z'],
    ['5 4 * * sun', '04:05 every Sunday (a day by name)', '2026-01-01T00:00:00Z', '2026-01-04T04:05:00.000Z'],
    ['0 */4 1 * mon', 'every 4th hour on the 1st and on every Monday', '2026-01-01T21:00:00Z', '2026-01-05T00:00:00.000Z'],
  ])('%s (%s)', (pattern, _, after, expected) => {
    expect(next(pattern, after)).toBe(expected);
  });

  it('fires on either restricted day field, as crontab(5) says: 30 4 1,15 * 5 is the 1st, the 15th and every Friday', () => {
    expect(next('30 4 1,15 * 5', '2026-01-01T05:00:00Z')).toBe('2026-01-02T04:30:00.000Z'); // Friday the 2nd
    expect(next('30 4 1,15 * 5', '2026-01-02T05:00:00Z')).toBe('2026-01-09T04:30:00.000Z'); // Friday the 9th
    expect(next('30 4 1,15 * 5', '2026-01-10T00:00:00Z')).toBe('2026-01-15T04:30:00.000Z'); // Thursday the 15th
  });

  it('reads 7 as Sunday, month names, steps over a range and lists', () => {
    expect(next('0 0 * * 7', '2026-01-01T00:00:00Z')).toBe('2026-01-04T00:00:00.000Z');
    expect(next('0 12 * jan,jul *', '2026-01-31T13:00:00Z')).toBe('2026-07-01T12:00:00.000Z');
    expect(next('1-10/3 * * * *', '2026-01-01T00:04:30Z')).toBe('2026-01-01T00:07:00.000Z');
    expect(next('0 0,12 * * *', '2026-01-01T06:00:00Z')).toBe('2026-01-01T12:00:00.000Z');
  });

  it('waits for a leap year for 29 February', () => {
    expect(next('0 0 29 2 *', '2026-03-01T00:00:00Z')).toBe('2028-02-29T00:00:00.000Z');
  });

  it('is strictly after the time given, never at it', () => {
    expect(next('0 3 * * *', '2026-01-01T03:00:00Z')).toBe('2026-01-02T03:00:00.000Z');
    expect(next('* * * * *', '2026-01-01T12:00:00Z')).toBe('2026-01-01T12:01:00.000Z');
  });
});

describe('CronSchedule: the expressions of PM2 docs (cron_restart)', () => {
  it.each([
    ['0 0 * * *', 'every day at midnight', '2026-01-01T12:00:00Z', '2026-01-02T00:00:00.000Z'],
    ['*/1 * * * *', 'every minute', '2026-01-01T12:00:30Z', '2026-01-01T12:01:00.000Z'],
    ['0 3 * * *', 'every night at 03:00', '2026-01-01T05:00:00Z', '2026-01-02T03:00:00.000Z'],
    ['*/15 * * * *', 'every quarter of an hour', '2026-01-01T10:07:00Z', '2026-01-01T10:15:00.000Z'],
    ['*/30 * * * * *', 'six fields: every 30 seconds', '2026-01-01T10:00:05Z', '2026-01-01T10:00:30.000Z'],
    ['* * * * * *', 'six fields: every second', '2026-01-01T12:00:00.400Z', '2026-01-01T12:00:01.000Z'],
    ['@daily', "croner's nickname for 0 0 * * *", '2026-01-01T12:00:00Z', '2026-01-02T00:00:00.000Z'],
  ])('%s (%s)', (pattern, _, after, expected) => {
    expect(next(pattern, after)).toBe(expected);
  });
});

describe('CronSchedule: time zones', () => {
  it('reads the times in the zone given, winter and summer', () => {
    expect(next('0 3 * * *', '2026-01-01T00:00:00Z', 'Europe/Paris')).toBe('2026-01-01T02:00:00.000Z');
    expect(next('0 3 * * *', '2026-07-01T00:00:00Z', 'Europe/Paris')).toBe('2026-07-01T01:00:00.000Z');
    expect(next('0 9 * * 1-5', '2026-01-02T15:00:00Z', 'America/New_York')).toBe('2026-01-05T14:00:00.000Z');
  });

  it('runs a time the clocks skip once right after the gap, and a time they repeat once', () => {
    // 29 March 2026, Paris: 02:00 CET jumps to 03:00 CEST.
    expect(next('30 2 * * *', '2026-03-28T12:00:00Z', 'Europe/Paris')).toBe('2026-03-29T01:00:00.000Z');
    // 25 October 2026, Paris: 03:00 CEST falls back to 02:00 CET; 02:30 comes twice, the restart once.
    expect(next('30 2 * * *', '2026-10-24T12:00:00Z', 'Europe/Paris')).toBe('2026-10-25T00:30:00.000Z');
    expect(next('30 2 * * *', '2026-10-25T00:31:00Z', 'Europe/Paris')).toBe('2026-10-26T01:30:00.000Z');
  });
});

describe('cronRestart in a child spec', () => {
  const spec = (cronRestart: unknown): ChildSpec => ({ name: 'web', kind: 'process', entry: readyChild, cronRestart: cronRestart as string });
  const problemsOf = (cronRestart: unknown): readonly string[] => {
    try {
      resolveChildSpec(spec(cronRestart));
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidSpecError);
      expect((error as InvalidSpecError).code).toBe('ERR_SUPERVISOR_INVALID_SPEC');
      return (error as InvalidSpecError).problems;
    }
    throw new Error(`expected ${JSON.stringify(cronRestart)} to be refused`);
  };

  it('takes an expression or { pattern, timezone }', () => {
    expect(resolveChildSpec(spec('0 3 * * *')).cronRestart).toEqual({ pattern: '0 3 * * *', timezone: undefined });
    expect(resolveChildSpec(spec({ pattern: '*/30 * * * * *', timezone: 'Europe/Paris' })).cronRestart).toEqual({
      pattern: '*/30 * * * * *',
      timezone: 'Europe/Paris',
    });
    expect(resolveChildSpec(spec(undefined)).cronRestart).toBeUndefined();
  });

  it.each([
    ['61 * * * *', 'a minute past 59', 'Invalid value for minute: 61'],
    ['0 25 * * *', 'an hour past 23', 'Invalid value for hour'],
    ['0 0 32 * *', 'a day of month past 31', 'Invalid value for day'],
    ['0 0 * 13 *', 'a month past 12', 'Invalid value for month'],
    ['0 0 * * 8', 'a day of week past 7', 'Invalid value for dayOfWeek'],
    ['* * * *', 'four fields', 'exactly five, six, or seven'],
    ['0 0 0 * * * 2027', 'seven fields (a year)', 'requires exactly 5 or 6 parts'],
    ['x * * * *', 'a word', 'illegal characters'],
    ['*/0 * * * *', 'a step of 0', 'illegal stepping'],
    ['5-1 * * * *', 'a range backwards', 'larger than to value'],
  ])('refuses %j (%s), naming the field and what was given', (pattern, _, reason) => {
    const [problem] = problemsOf(pattern);
    expect(problem).toContain(
      `Expected \`spec.cronRestart\` to be a cron expression of 5 fields (minute hour day-of-month month day-of-week) or 6 (seconds first), got \`${JSON.stringify(pattern)}\``,
    );
    expect(problem).toContain(reason);
  });

  it('refuses an expression that never falls, an unknown zone, another type and unknown keys', () => {
    expect(problemsOf('0 0 30 2 *')).toEqual(['Expected `spec.cronRestart` to be a cron expression that falls on some date, got `"0 0 30 2 *"` (it never does)']);
    expect(problemsOf({ pattern: '0 3 * * *', timezone: 'Mars/Olympus_Mons' })).toEqual([
      'Expected `spec.cronRestart.timezone` to be an IANA time zone (`"Europe/Paris"`, `"UTC"`), got `"Mars/Olympus_Mons"`',
    ]);
    expect(problemsOf('')).toEqual(['Expected `spec.cronRestart` to be a non-empty string, got `""` (string)']);
    expect(problemsOf(3)).toEqual(['Expected `spec.cronRestart` to be a cron expression (`"0 3 * * *"`) or `{ pattern, timezone }`, got `3` (number)']);
    expect(problemsOf({ pattern: '61 * * * *' })[0]).toContain('Expected `spec.cronRestart.pattern` to be a cron expression');
    expect(problemsOf({ pattern: '0 3 * * *', tz: 'UTC' })).toEqual(['Unknown option `spec.cronRestart.tz` (known: pattern, timezone)']);
  });

  it('is refused when the supervisor is built, with the whole config', () => {
    let error: unknown;
    try {
      new Supervisor({ children: [{ name: 'web', kind: 'process', entry: readyChild, cronRestart: '0 3 * * * *  *' }] });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InvalidSpecError);
    expect((error as InvalidSpecError).code).toBe('ERR_SUPERVISOR_INVALID_SPEC');
    expect((error as InvalidSpecError).problems[0]).toMatch(/^Expected `children\[0\]\.cronRestart` to be a cron expression/);
  });
});
