import { Backoff } from '@drove/pool/backoff';
import type { ResolvedChildSpec } from '../child-spec.js';
import type { Clock, ClockTimer } from '@drove/pool/clock';
import type { LogFileStats } from '../log-writer.js';
import type { ChildInfo, ChildState, ChildStats, LastExit, SpareInfo } from '../stats.js';
import type { ChildRun } from './child-run.js';
import type { FileWatch } from './file-watch.js';
import type { WarmSpare } from './warm-spare.js';

/**
 * One child spec held by the supervisor and the state that outlives its
 * runs: its back-off, its restart count, its last exit.
 */
export class ChildSlot {
  readonly spec: ResolvedChildSpec;
  readonly backoff: Backoff;
  state: ChildState = 'stopped';
  run: ChildRun | undefined;
  /** False once terminated by hand: nothing starts it again until `restartChild`. */
  wanted = true;
  /** Started at least once: the next start is a restart. */
  started = false;
  restarts = 0;
  /** Being stopped by a group or rolling restart, which starts it again. */
  restartAfterStop = false;
  /** A pending one-for-one restart. */
  timer: ClockTimer | undefined;
  /** When a restart delayed by the back-off is due (one-for-one or a group's). */
  restartAt: number | undefined;
  lastExit: LastExit | undefined;
  /** The warm spare waiting for this child's next start (`spare: true`). */
  spare: WarmSpare | undefined;
  /** The spawn of the next spare, due a moment after the child's start. */
  spareTimer: ClockTimer | undefined;
  /** Watch mode's watcher (`watch`), from the child's first start until its spec is removed or the supervisor stops. */
  watch: FileWatch | undefined;

  constructor(spec: ResolvedChildSpec) {
    this.spec = spec;
    this.backoff = new Backoff(spec.backoff);
  }

  get name(): string {
    return this.spec.name;
  }

  cancelTimer(clock: Clock): void {
    if (this.timer !== undefined) clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.restartAt = undefined;
  }

  info(): ChildInfo {
    const run = this.run;
    return {
      name: this.spec.name,
      kind: this.spec.kind,
      restart: this.spec.restart,
      state: this.state,
      pid: run?.alive ? run.pid : undefined,
      threadId: run?.alive ? run.threadId : undefined,
    };
  }

  stats(now: number, log: LogFileStats | undefined, cronRestartAt: number | undefined): ChildStats {
    const run = this.run;
    return {
      ...this.info(),
      restarts: this.restarts,
      consecutiveFailures: this.backoff.failures,
      uptimeMs: this.state === 'running' && run?.readyAt !== undefined ? now - run.readyAt : undefined,
      lastExit: this.lastExit ? { ...this.lastExit } : undefined,
      lastPong: run?.lastPong ? { at: run.lastPong.at, telemetry: { ...run.lastPong.telemetry } } : undefined,
      group: this.spec.group,
      instance: this.spec.instance,
      spare: spareInfo(this.spare),
      restartAt: this.state === 'restarting' ? this.restartAt : undefined,
      cronRestartAt,
      log,
    };
  }
}

function spareInfo(spare: WarmSpare | undefined): SpareInfo | undefined {
  const state = spare?.state;
  return spare && state && state !== 'gone' ? { pid: spare.pid, state } : undefined;
}
