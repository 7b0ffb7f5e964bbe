// Scheduled restarts (`cronRestart`): one timer per spec on the supervisor's
// clock — for an `instances` spec, one for the group, whose copies are
// restarted one at a time when it falls, so a group of surge children never
// has fewer copies serving.
import type { Clock, ClockTimer } from '@drove/pool/clock';
import type { ChildSlot } from './child-slot.js';
import { CronSchedule } from './cron-schedule.js';

/** A timer can wait at most this long (setTimeout's limit): a later time is reached in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** What scheduled restarts need of the supervisor. */
export interface CronHost {
  readonly clock: Clock;
  /** The children a schedule restarts: the copies of the group, or the one child, in start order. */
  members(key: string): ChildSlot[];
  /** Restarts one child as its `reload` says (skipping one that is not running). */
  restart(slot: ChildSlot): Promise<unknown>;
}

interface Entry {
  schedule: CronSchedule;
  timer: ClockTimer | undefined;
  /** When it next falls, on the clock. */
  nextAt: number | undefined;
  /** The restarts of the last time it fell, while they run: a time that falls meanwhile is skipped. */
  running: boolean;
}

/** The key a child's schedule is kept under: its group's name for a copy of an `instances` spec. */
function keyOf(slot: ChildSlot): string {
  return slot.spec.group ?? slot.name;
}

export class CronRestarts {
  readonly #host: CronHost;
  readonly #entries = new Map<string, Entry>();
  #closed = false;

  constructor(host: CronHost) {
    this.#host = host;
  }

  /** Arms the child's schedule, if it has one and it is not armed yet (its group's, for a copy). */
  arm(slot: ChildSlot): void {
    const cron = slot.spec.cronRestart;
    if (!cron || this.#closed) return;
    const key = keyOf(slot);
    if (this.#entries.has(key)) return;
    const entry: Entry = { schedule: new CronSchedule(cron.pattern, cron.timezone), timer: undefined, nextAt: undefined, running: false };
    this.#entries.set(key, entry);
    this.#plan(key, entry, this.#host.clock.now());
  }

  /** When the child's next scheduled restart is due, on the clock. */
  nextAt(slot: ChildSlot): number | undefined {
    return slot.spec.cronRestart ? this.#entries.get(keyOf(slot))?.nextAt : undefined;
  }

  /** Disarms every schedule (the supervisor stops). */
  close(): void {
    this.#closed = true;
    for (const entry of this.#entries.values()) this.#disarm(entry);
    this.#entries.clear();
  }

  #disarm(entry: Entry): void {
    if (entry.timer !== undefined) this.#host.clock.clearTimeout(entry.timer);
    entry.timer = undefined;
    entry.nextAt = undefined;
  }

  /** Sets the timer for the first time the expression falls after `afterMs`. */
  #plan(key: string, entry: Entry, afterMs: number): void {
    const clock = this.#host.clock;
    const nextAt = entry.schedule.next(afterMs);
    entry.nextAt = nextAt;
    if (nextAt === undefined) return;
    const wait = (): void => {
      entry.timer = clock.setTimeout(
        () => {
          entry.timer = undefined;
          if (clock.now() < nextAt) wait();
          else this.#fall(key, entry, nextAt);
        },
        Math.min(Math.max(0, nextAt - clock.now()), MAX_TIMER_MS),
        // A pending schedule alone does not keep a process alive: the children do.
        { unref: true },
      );
    };
    wait();
  }

  #fall(key: string, entry: Entry, at: number): void {
    const members = this.#host.members(key);
    if (members.length === 0) {
      // The spec is gone (deleted, scaled to nothing): its schedule goes with it; a later start arms it again.
      this.#disarm(entry);
      this.#entries.delete(key);
      return;
    }
    // The next time is planned first (`status` shows it at once), after this one and never in the past.
    this.#plan(key, entry, Math.max(at, this.#host.clock.now()));
    if (entry.running) return;
    entry.running = true;
    void (async () => {
      for (const slot of members) {
        if (this.#closed) break;
        // A failure shows in the child's own events (its exit, its restarts); the schedule goes on.
        await this.#host.restart(slot).catch(() => {});
      }
    })().finally(() => {
      entry.running = false;
    });
  }
}
