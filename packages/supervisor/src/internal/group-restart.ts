// Group restarts: the first start, and OTP's one-for-all and rest-for-one.
// A group is stopped in reverse start order, waits the failed child's delay,
// then starts in start order, each child ready before the next. A failure
// during a group restart replaces it with a new one that takes over the
// members not yet started, so no child is left behind.
import type { Clock } from '@drove/pool/clock';
import type { RestartCause } from '../events.js';
import type { Strategy } from '../options.js';
import type { ChildSlot } from './child-slot.js';

interface Plan {
  /** Members in start order. */
  members: ChildSlot[];
  /** Members not yet started by this plan. */
  pending: Set<ChildSlot>;
  causes: Map<ChildSlot, RestartCause>;
  cancelled: boolean;
  wake: (() => void) | undefined;
}

/** What a group restart needs of the supervisor. */
export interface GroupHost {
  readonly clock: Clock;
  /** The children in start order. */
  slots(): readonly ChildSlot[];
  /** True once the supervisor stops. */
  closing(): boolean;
  /** Starts one run of the child; true once ready. */
  launch(slot: ChildSlot, cause: RestartCause): Promise<boolean>;
  remove(slot: ChildSlot): void;
  onError(error: Error): void;
}

export class GroupRestart {
  readonly #host: GroupHost;
  #plan: Plan | undefined;

  constructor(host: GroupHost) {
    this.#host = host;
  }

  /** Starts `members` in order (the supervisor's first start). Resolves when done or taken over. */
  startAll(members: ChildSlot[]): Promise<void> {
    for (const slot of members) slot.state = 'restarting';
    return this.#run(this.#replace(members, new Map()), 0, []);
  }

  /**
   * Restarts the group of `failed` under `strategy` after `delay`: the
   * children from it on (rest-for-one) or all (one-for-all).
   */
  restart(failed: ChildSlot, strategy: Exclude<Strategy, 'one-for-one'>, delay: number, cause: RestartCause): void {
    const slots = this.#host.slots();
    const affected = strategy === 'one-for-all' ? slots : slots.slice(slots.indexOf(failed));
    const previous = this.#plan;
    const members = new Set<ChildSlot>(previous && !previous.cancelled ? previous.pending : []);
    const causes = new Map<ChildSlot, RestartCause>(previous?.causes ?? []);
    const temporaries: ChildSlot[] = [];
    for (const slot of affected) {
      if (slot === failed) members.add(slot);
      else if (slot.state === 'stopped' || !slot.wanted) continue;
      // OTP: a temporary sibling is stopped with the group and never restarted.
      else if (slot.spec.restart === 'temporary') temporaries.push(slot);
      else {
        members.add(slot);
        if (!causes.has(slot)) causes.set(slot, 'sibling');
      }
    }
    causes.set(failed, cause);
    const ordered = slots.filter((slot) => members.has(slot));
    for (const slot of ordered) if (!slot.run) slot.state = 'restarting';
    void this.#run(this.#replace(ordered, causes), delay, temporaries);
  }

  /** The child is no longer to be started by a group restart. */
  drop(slot: ChildSlot): void {
    this.#plan?.pending.delete(slot);
  }

  /** Stops the group restart in progress, if any. */
  cancel(): void {
    if (this.#plan) this.#cancel(this.#plan);
  }

  #replace(members: ChildSlot[], causes: Map<ChildSlot, RestartCause>): Plan {
    if (this.#plan) this.#cancel(this.#plan);
    this.#plan = { members, pending: new Set(members), causes, cancelled: false, wake: undefined };
    return this.#plan;
  }

  async #run(plan: Plan, delay: number, temporaries: ChildSlot[]): Promise<void> {
    const host = this.#host;
    const order = (slot: ChildSlot): number => host.slots().indexOf(slot);
    try {
      const toStop = [...plan.members, ...temporaries].filter((slot) => slot.run?.alive);
      toStop.sort((a, b) => order(b) - order(a));
      for (const slot of toStop) {
        if (plan.cancelled || host.closing()) return;
        slot.state = 'stopping';
        slot.restartAfterStop = !temporaries.includes(slot);
        await slot.run?.stop('shutdown');
        if (temporaries.includes(slot)) {
          slot.state = 'stopped';
          host.remove(slot);
        } else if (!slot.run && plan.pending.has(slot)) {
          slot.state = 'restarting';
        }
      }
      if (delay > 0) await this.#sleep(plan, delay);
      for (const slot of plan.members) {
        if (plan.cancelled || host.closing()) return;
        if (!plan.pending.delete(slot)) continue;
        // A start that fails hands over to a new plan (group strategies) or to the child's own restart (one-for-one).
        await host.launch(slot, plan.causes.get(slot) ?? 'sibling');
      }
    } catch (error) {
      host.onError(error as Error);
    } finally {
      if (this.#plan === plan) this.#plan = undefined;
    }
  }

  #sleep(plan: Plan, ms: number): Promise<void> {
    const clock = this.#host.clock;
    return new Promise((resolve) => {
      const timer = clock.setTimeout(() => {
        plan.wake = undefined;
        resolve();
      }, ms);
      plan.wake = () => {
        clock.clearTimeout(timer);
        plan.wake = undefined;
        resolve();
      };
    });
  }

  #cancel(plan: Plan): void {
    plan.cancelled = true;
    plan.wake?.();
    if (this.#plan === plan) this.#plan = undefined;
  }
}
