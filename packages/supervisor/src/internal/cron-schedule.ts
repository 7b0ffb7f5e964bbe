// Scheduled restarts (`cronRestart`, PM2's `cron_restart`): the expression's
// check, and when it next falls. The calendar arithmetic (months, weekdays,
// time zones and their DST gaps) is croner's, the library PM2 itself uses for
// `cron_restart`, so an expression means here what it means there.
import { Cron } from 'croner';
import type { Problems } from './validate.js';

/** A checked `cronRestart`: the expression and the zone its times are read in. */
export interface ResolvedCronRestart {
  pattern: string;
  /** An IANA zone; undefined for the supervisor's local time. */
  timezone: string | undefined;
}

/**
 * When a cron expression falls, from a given time on. Five fields (minute,
 * hour, day of month, month, day of week) or six (seconds first), as croner
 * and PM2 accept; as in crontab(5), a day matches when either the day of
 * month or the day of week does once both are restricted.
 */
export class CronSchedule {
  readonly pattern: string;
  readonly timezone: string | undefined;
  readonly #cron: Cron;

  /** @throws TypeError (croner's) for an expression it cannot read; RangeError for an unknown zone. */
  constructor(pattern: string, timezone?: string) {
    if (timezone !== undefined && checkTimezone(timezone) === '') throw new RangeError(`Invalid time zone specified: ${timezone}`);
    // paused and given no function: croner only computes, it never arms a timer of its own.
    this.#cron = new Cron(pattern, { timezone, mode: '5-or-6-parts', paused: true });
    this.pattern = pattern;
    this.timezone = timezone;
  }

  /** The first time (epoch milliseconds) strictly after `afterMs` that the expression matches; undefined if none is left. */
  next(afterMs: number): number | undefined {
    try {
      return this.#cron.nextRun(new Date(afterMs))?.getTime();
    } catch {
      // croner gives up with a TypeError on a date it cannot reach (`0 0 30 2 *` in some zones): none is left.
      return undefined;
    }
  }
}

/** The zone's canonical name. @throws RangeError for a name that is no IANA zone (Intl knows them all). */
function checkTimezone(timezone: string): string {
  // Its result is used: a bundler may drop an Intl call whose result is not, and with it the check.
  return new Intl.DateTimeFormat('en-US', { timeZone: timezone }).resolvedOptions().timeZone;
}

/** Checks a spec's `cronRestart` (an expression, or `{ pattern, timezone }`), adding what is wrong to `problems`. */
export function resolveCronRestart(value: unknown, name: string, problems: Problems): ResolvedCronRestart | undefined {
  if (value === undefined) return undefined;
  const options = typeof value === 'string' ? { pattern: value } : value;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    problems.fail(name, 'a cron expression (`"0 3 * * *"`) or `{ pattern, timezone }`', value);
    return undefined;
  }
  if (!problems.keys(name, options, ['pattern', 'timezone'])) return undefined;
  const at = typeof value === 'string' ? name : `${name}.pattern`;
  const { pattern, timezone } = options;
  if (!problems.string(at, pattern)) return undefined;
  if (timezone !== undefined && !problems.string(`${name}.timezone`, timezone)) return undefined;
  try {
    if (timezone !== undefined) checkTimezone(timezone as string);
  } catch {
    problems.add(`Expected \`${name}.timezone\` to be an IANA time zone (\`"Europe/Paris"\`, \`"UTC"\`), got \`${JSON.stringify(timezone)}\``);
    return undefined;
  }
  let schedule: CronSchedule;
  try {
    schedule = new CronSchedule(pattern as string, timezone as string | undefined);
  } catch (error) {
    problems.add(
      `Expected \`${at}\` to be a cron expression of 5 fields (minute hour day-of-month month day-of-week) or 6 (seconds first), got \`${JSON.stringify(pattern)}\` (${(error as Error).message})`,
    );
    return undefined;
  }
  if (schedule.next(Date.now()) === undefined) {
    problems.add(`Expected \`${at}\` to be a cron expression that falls on some date, got \`${JSON.stringify(pattern)}\` (it never does)`);
    return undefined;
  }
  return { pattern: pattern as string, timezone: timezone as string | undefined };
}
