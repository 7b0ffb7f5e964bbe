// Warm spares (`spare: true`) over the children's lives: one is booted a
// moment after each start, handed over at the next start, and stopped with
// its child. A spare is no child: a spare that dies means a cold start, never
// a failure.
import type { Clock } from '@drove/pool/clock';
import type { Endpoint } from '@drove/pool/transport';
import { SupervisorError } from '../errors.js';
import type { ChildOutput } from './child-output.js';
import type { ChildSlot } from './child-slot.js';
import { WarmSpare } from './warm-spare.js';

/** How long after a child's start settles its next warm spare is spawned. */
const SPARE_DELAY_MS = 100;

/** What the spares need of the supervisor. */
export interface SpareHost {
  readonly clock: Clock;
  /** True once the supervisor stops. */
  closing(): boolean;
  /** Whether the supervisor still holds the child. */
  holds(slot: ChildSlot): boolean;
  /** Where the child's output goes (its spare writes there too). */
  output(slot: ChildSlot): ChildOutput;
  onError(error: Error): void;
}

export class SpareKeeper {
  readonly #host: SpareHost;
  /** Spares being stopped: the supervisor's stop waits for them too. */
  readonly #stops = new Set<Promise<void>>();

  constructor(host: SpareHost) {
    this.#host = host;
  }

  /**
   * The slot's warm spare, handed the entry; undefined when there is none to
   * take. One still booting is kept for the next start (this one starts
   * cold, no slower than waiting for it); one that cannot serve is stopped.
   */
  take(slot: ChildSlot): Endpoint | undefined {
    const spare = slot.spare;
    if (!spare || spare.state === 'booting') return undefined;
    const endpoint = spare.take();
    slot.spare = undefined;
    if (!endpoint) this.#track(spare.stop());
    return endpoint;
  }

  /**
   * The next spare boots a moment after this start has settled: not while it
   * competes with the new child for the CPU, and not while the child takes
   * its first connections (a fork blocks the supervisor's event loop for a
   * few milliseconds, which would hold up the hand-over of a shared socket's).
   */
  schedule(slot: ChildSlot): void {
    if (slot.spareTimer !== undefined || this.#host.closing()) return;
    slot.spareTimer = this.#host.clock.setTimeout(() => {
      slot.spareTimer = undefined;
      this.#refill(slot);
    }, SPARE_DELAY_MS);
  }

  /** Takes the slot's spare away and stops it; resolves once its process has ended. */
  drop(slot: ChildSlot): Promise<void> {
    if (slot.spareTimer !== undefined) this.#host.clock.clearTimeout(slot.spareTimer);
    slot.spareTimer = undefined;
    const spare = slot.spare;
    slot.spare = undefined;
    return spare ? this.#track(spare.stop()) : Promise.resolve();
  }

  /** Resolves once every spare being stopped has ended. */
  async stopped(): Promise<void> {
    await Promise.all([...this.#stops]);
  }

  #refill(slot: ChildSlot): void {
    const host = this.#host;
    if (!slot.spec.spare || slot.spare || host.closing() || !slot.wanted || !host.holds(slot)) return;
    try {
      const spare: WarmSpare = new WarmSpare(slot.spec, host.output(slot), {
        onGone: () => {
          // A spare that died waiting is replaced after the child's next start, which is a cold one.
          if (slot.spare === spare) slot.spare = undefined;
        },
        onError: (error) => host.onError(error),
      });
      slot.spare = spare;
    } catch (error) {
      host.onError(new SupervisorError('ERR_SUPERVISOR_SPARE', `Could not spawn a warm spare of child \`${slot.name}\``, { cause: error }));
    }
  }

  #track(stopping: Promise<void>): Promise<void> {
    this.#stops.add(stopping);
    void stopping.finally(() => this.#stops.delete(stopping));
    return stopping;
  }
}
