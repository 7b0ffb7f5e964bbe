// Restarting running children one at a time: `rollingRestart()` (SIGHUP,
// `reload`) over the fleet, and one child for a scheduled restart. Each child
// is replaced the way its `reload` says: `'replace'` stops it, then starts its
// successor; `'surge'` starts the successor beside it and stops it only once
// the successor is ready (gunicorn's and PM2's cluster reload), so capacity
// never dips.
import { ChildStartError } from '../errors.js';
import type { RestartCause } from '../events.js';
import type { ChildRun } from './child-run.js';
import type { ChildSlot } from './child-slot.js';

/** What a rolling restart needs of the supervisor. */
export interface RollingHost {
  /** The children in start order. */
  slots(): readonly ChildSlot[];
  /** True once the supervisor stops. */
  closing(): boolean;
  /** Starts one run of the child; true once ready. */
  launch(slot: ChildSlot, cause: RestartCause): Promise<boolean>;
  /** Counts a restart of the child and emits its `restart` event. */
  countRestart(slot: ChildSlot, cause: RestartCause): void;
  /**
   * Spawns a run of the child that is not (yet) the slot's: `onReady` decides
   * what becomes of it. Undefined when pool's transport refused the spec.
   */
  spawnBeside(slot: ChildSlot, onReady: (run: ChildRun) => void): ChildRun | undefined;
  /** The run became the slot's running one. */
  ready(slot: ChildSlot, run: ChildRun): void;
}

/** How one child's restart went: `skipped` when it was not running (or was taken over meanwhile). */
export type RestartOutcome = 'done' | 'failed' | 'skipped';

export class RollingRestart {
  readonly #host: RollingHost;
  /** Children being restarted one by one right now (a roll's, a schedule's): never two restarts of one child at once. */
  readonly #busy = new Set<ChildSlot>();
  #rolling: Promise<void> | undefined;
  #again = false;
  #aborted = false;

  constructor(host: RollingHost) {
    this.#host = host;
  }

  /**
   * Restarts the running children in start order, each ready before the
   * next; a call during a roll rolls once more after it. Rejects with
   * `ERR_SUPERVISOR_START_FAILED` at the first child that did not become ready.
   */
  roll(): Promise<void> {
    if (this.#rolling) {
      this.#again = true;
      return this.#rolling;
    }
    this.#rolling = (async () => {
      do {
        this.#again = false;
        for (const slot of [...this.#host.slots()]) {
          if (this.#host.closing() || this.#aborted) return;
          if ((await this.restart(slot, 'rolling')) === 'failed') throw new ChildStartError(slot.name, slot.lastExit?.reason ?? 'shutdown');
        }
      } while (this.#again && !this.#host.closing() && !this.#aborted);
    })().finally(() => {
      this.#rolling = undefined;
      this.#aborted = false;
    });
    return this.#rolling;
  }

  /** Ends the roll in progress before its next child (the one being restarted finishes its start). */
  abort(): void {
    if (this.#rolling) this.#aborted = true;
  }

  /**
   * Restarts one child as its `reload` says. A child that is not running (or
   * is being restarted already) is skipped; one still starting is restarted
   * too, unless `readyOnly` (a schedule leaves a child that is starting alone).
   */
  async restart(slot: ChildSlot, cause: RestartCause, { readyOnly = false }: { readyOnly?: boolean } = {}): Promise<RestartOutcome> {
    const run = slot.run;
    const wanted = slot.state === 'running' || (slot.state === 'starting' && !readyOnly);
    if (!run?.alive || !wanted || !this.#host.slots().includes(slot) || this.#busy.has(slot)) return 'skipped';
    this.#busy.add(slot);
    try {
      if (slot.spec.reload === 'surge' && run.ready) return (await this.#surge(slot, run, cause)) ? 'done' : 'failed';
      slot.state = 'stopping';
      slot.restartAfterStop = true;
      await run.stop('shutdown');
      // Someone else may have taken the child over meanwhile (a group restart, terminateChild, stop).
      if (this.#host.closing() || slot.run || slot.state !== 'stopping' || !slot.wanted) return 'skipped';
      return (await this.#host.launch(slot, cause)) ? 'done' : 'failed';
    } finally {
      this.#busy.delete(slot);
    }
  }

  /**
   * A surge restart: the successor starts beside the running child and takes
   * its place once ready; only then is the old run stopped. Resolves true
   * once the old run has ended, false when the successor did not become
   * ready (the old run keeps serving).
   */
  async #surge(slot: ChildSlot, old: ChildRun, cause: RestartCause): Promise<boolean> {
    const host = this.#host;
    host.countRestart(slot, cause);
    const successor = host.spawnBeside(slot, (run) => {
      // The old run may have crashed meanwhile and been restarted, or the supervisor be stopping: then this one is not needed.
      if (slot.run !== old || !old.alive || host.closing() || !slot.wanted) {
        void run.stop('shutdown');
        return;
      }
      // From here the old run is no longer the slot's: its exit is no crash to restart from.
      slot.run = run;
      host.ready(slot, run);
    });
    if (!successor) return false;
    if (!(await successor.readiness) || slot.run !== successor) return false;
    await old.stop('shutdown');
    return true;
  }
}
