/**
 * The supervisor: starts children in order, restarts them as OTP's restart
 * types and strategies say (with a back-off of our own between failures),
 * gives up past its restart intensity, and stops them in reverse order.
 *
 * @module
 */
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { EventEmitter } from 'eventemitter3';
import { resolveChildSpec, type ChildSpec, type ResolvedChildSpec, type RestartType } from './child-spec.js';
import type { Clock } from '@drove/pool/clock';
import { ChildStartError, GaveUpError, InvalidSpecError, SupervisorError } from './errors.js';
import type { RestartCause, SupervisorEvents } from './events.js';
import { resolveSupervisorOptions, type CallOptions, type ResolvedSupervisorOptions, type SupervisorOptions } from './options.js';
import { abortable, abortError, invalidSignal } from './internal/abortable.js';
import type { ChildCounts, ChildInfo, ExitReason, SupervisorState, SupervisorStats } from './stats.js';
import { ChildRun, type RunExit } from './internal/child-run.js';
import { childOutput, type ChildOutput } from './internal/child-output.js';
import { LogWriter } from './log-writer.js';
import { GroupScaler } from './internal/scale-group.js';
import { FileWatch } from './internal/file-watch.js';
import { Operations } from './internal/operations.js';
import { ChildSlot } from './internal/child-slot.js';
import { GroupRestart } from './internal/group-restart.js';
import { CronRestarts } from './internal/cron-restart.js';
import { RestartIntensity } from './internal/restart-intensity.js';
import { RollingRestart } from './internal/rolling-restart.js';
import { SharedSockets } from './internal/shared-sockets.js';
import { installSignalHandlers } from './internal/signal-handler.js';
import { SpareKeeper } from './internal/spare-keeper.js';
import type { Endpoint } from '@drove/pool/transport';

/**
 * How long a stop waits at most for the last lines in ended children's pipes before it closes the log files.
 * The wait ends as soon as every pipe is closed; the bound is for a grandchild that holds one open. At 1 s, a
 * master starved of CPU (load 7 on two cores) closed a log before reading the last 76 of 400 lines.
 */
const LAST_LINES_MS = 5000;

function shouldRestart(restart: RestartType, reason: ExitReason): boolean {
  if (reason === 'shutdown') return false;
  if (restart === 'permanent') return true;
  if (restart === 'transient') return reason !== 'normal';
  return false;
}

/**
 * Supervises a fleet of children: forked Node processes, worker threads and
 * commands.
 *
 * @example
 * ```ts
 * import { Supervisor } from '@drove/supervisor';
 * const supervisor = new Supervisor({
 *   strategy: 'one-for-one',
 *   children: [
 *     { name: 'web', kind: 'process', entry: new URL('./web.mjs', import.meta.url), heartbeat: true },
 *     { name: 'jobs', kind: 'thread', entry: new URL('./jobs.mjs', import.meta.url), restart: 'transient' },
 *   ],
 * });
 * supervisor.on('exit', ({ name, reason }) => console.log(`${name} exited: ${reason}`));
 * await supervisor.start();
 * await supervisor.stop();
 * ```
 */
export class Supervisor extends EventEmitter<SupervisorEvents> {
  /** The resolved options (children as given at construction). */
  readonly options: ResolvedSupervisorOptions;
  readonly #clock: Clock;
  readonly #slots: ChildSlot[];
  readonly #intensity: RestartIntensity;
  readonly #sockets: SharedSockets;
  readonly #runs = new Set<ChildRun>();
  readonly #logs: LogWriter | undefined;
  readonly #scaler: GroupScaler;
  /** The control socket, the health endpoint and systemd's notify protocol, as the options ask. */
  readonly #operations: Operations;
  /** The stdio of ended runs, until closed: their last lines are for the log files. */
  readonly #pipes = new Set<Promise<void>>();
  #state: SupervisorState = 'idle';
  #closing = false;
  #killing = false;
  readonly #groups: GroupRestart;
  readonly #rolling: RollingRestart;
  readonly #spares: SpareKeeper;
  readonly #cron: CronRestarts;
  #starting: Promise<void> | undefined;
  #stopping: Promise<void> | undefined;
  #failure: Error | undefined;
  #restarts = 0;
  #removeSignalHandlers: (() => void) | undefined;
  readonly #stopped: Promise<void>;
  #settleStopped!: (error?: Error) => void;

  /**
   * @throws InvalidSpecError (`ERR_SUPERVISOR_INVALID_SPEC`) listing every problem of the options and child specs.
   */
  constructor(options: SupervisorOptions = {}) {
    super();
    this.options = resolveSupervisorOptions(options);
    this.#clock = this.options.clock;
    this.#slots = this.options.children.map((spec) => new ChildSlot(spec));
    this.#scaler = new GroupScaler(this.options.children, {
      slots: () => this.#slots,
      stopped: () => (this.#closing ? this.#stoppedError('scale') : undefined),
      retire: async (slot) => {
        await this.#terminate(slot);
        this.#remove(slot);
      },
      add: async (spec) => {
        const slot = new ChildSlot(spec);
        this.#slots.push(slot);
        if (this.#state !== 'idle') await this.#startAndReport(slot, 'manual');
      },
    });
    this.#intensity = new RestartIntensity(this.options.maxRestarts, this.options.periodMs);
    this.#sockets = new SharedSockets(this.options.sockets, (error) => this.emit('error', { error }));
    this.#logs = this.options.logs && new LogWriter(this.options.logs, (error) => this.emit('error', { error }));
    this.#operations = new Operations(this, this.#logs, (error) => this.emit('error', { error }));
    this.#groups = new GroupRestart({
      clock: this.#clock,
      slots: () => this.#slots,
      closing: () => this.#closing,
      launch: (slot, cause) => this.#launch(slot, cause),
      remove: (slot) => this.#remove(slot),
      onError: (error) => this.emit('error', { error }),
    });
    this.#rolling = new RollingRestart({
      slots: () => this.#slots,
      closing: () => this.#closing,
      launch: (slot, cause) => this.#launch(slot, cause),
      countRestart: (slot, cause) => this.#countRestart(slot, cause),
      spawnBeside: (slot, onReady) => {
        try {
          return this.#spawn(slot, onReady);
        } catch {
          return undefined;
        }
      },
      ready: (slot, run) => this.#onReady(slot, run),
    });
    this.#spares = new SpareKeeper({
      clock: this.#clock,
      closing: () => this.#closing,
      holds: (slot) => this.#slots.includes(slot),
      output: (slot) => this.#output(slot),
      onError: (error) => this.emit('error', { error }),
    });
    this.#cron = new CronRestarts({
      clock: this.#clock,
      members: (key) => this.#slots.filter((slot) => (slot.spec.group ?? slot.name) === key),
      restart: (slot) => this.#rolling.restart(slot, 'cron', { readyOnly: true }),
    });
    this.#stopped = new Promise<void>((resolve, reject) => {
      this.#settleStopped = (error) => (error ? reject(error) : resolve());
    });
    // Nobody may ever ask: a give-up must not become an unhandled rejection.
    this.#stopped.catch(() => {});
  }

  /** Where the supervisor is in its life. */
  get state(): SupervisorState {
    return this.#state;
  }

  /**
   * Opens the shared sockets and starts the children in order, each ready
   * before the next starts. Resolves once every child was started once (a
   * child that fails to start is restarted as its spec says: under
   * one-for-one it holds nobody back; under the group strategies the group
   * restart takes over). Calling it again returns the same promise.
   *
   * An abort of `signal` before it resolves stops the supervisor (every child
   * started so far, the sockets) and then rejects; the supervisor cannot be
   * started again, and `onStopped()` rejects with the same `AbortError`.
   *
   * @throws SupervisorError `ERR_SUPERVISOR_STOPPED` after `stop()`, `ERR_SUPERVISOR_SOCKET` when a shared socket cannot listen;
   *   AbortError `ABORT_ERR`; InvalidSpecError `ERR_SUPERVISOR_INVALID_SPEC` for a `signal` that is no AbortSignal.
   */
  start({ signal }: CallOptions = {}): Promise<void> {
    const invalid = invalidSignal(signal);
    if (invalid) return Promise.reject(invalid);
    if (signal?.aborted) return Promise.reject(abortError('start', signal));
    return abortable(this.#start(), signal, 'start', () => {
      this.#failure ??= abortError('start', signal!);
      return this.#beginStop('stop');
    });
  }

  #start(): Promise<void> {
    if (this.#starting) return this.#starting;
    if (this.#closing) return Promise.reject(this.#stoppedError('start'));
    this.#state = 'starting';
    if (this.options.handleSignals) {
      this.#removeSignalHandlers = installSignalHandlers({
        stop: (signal) => {
          if (this.#closing) void this.kill();
          else void this.#beginStop('signal', signal);
        },
        reload: () => {
          if (!this.#closing) this.rollingRestart().catch(() => {});
        },
      });
    }
    this.#starting = (async () => {
      try {
        await this.#sockets.open();
        await this.#operations.open(() => this.#closing);
      } catch (error) {
        this.#failure = error as Error;
        await this.#beginStop('stop');
        throw error;
      }
      if (this.#closing) return;
      await this.#groups.startAll([...this.#slots]);
      if (this.#state === 'starting') {
        this.#state = 'running';
        this.#operations.started();
      }
    })();
    return this.#starting;
  }

  /**
   * Stops every child gracefully, in reverse start order (each within its
   * `shutdownTimeoutMs`, then killed), cancels pending restarts and closes
   * the shared sockets. Resolves once every child's process or thread has
   * ended. Idempotent. An abort of `signal` turns the graceful stop into
   * {@link Supervisor.kill} (bound a stop with `AbortSignal.timeout(ms)`).
   *
   * @throws InvalidSpecError `ERR_SUPERVISOR_INVALID_SPEC` for a `signal` that is no AbortSignal.
   */
  stop({ signal }: CallOptions = {}): Promise<void> {
    const invalid = invalidSignal(signal);
    if (invalid) return Promise.reject(invalid);
    const stopping = this.#beginStop('stop');
    if (signal?.aborted) void this.kill();
    else if (signal) {
      const onAbort = (): void => void this.kill();
      signal.addEventListener('abort', onAbort, { once: true });
      void stopping.finally(() => signal.removeEventListener('abort', onAbort));
    }
    return stopping;
  }

  /** Kills every child at once (SIGKILL, `terminate()` for threads); resolves once all have ended. */
  kill(): Promise<void> {
    this.#killing = true;
    const stopping = this.#beginStop('stop');
    for (const run of this.#runs) void run.kill();
    return stopping;
  }

  /**
   * Resolves once the supervisor has stopped; rejects with `GaveUpError`
   * (`ERR_SUPERVISOR_GAVE_UP`) when it gave up, or with the error that kept it from starting.
   */
  onStopped(): Promise<void> {
    return this.#stopped;
  }

  /** The children, in start order (OTP's `which_children`). */
  whichChildren(): ChildInfo[] {
    return this.#slots.map((slot) => slot.info());
  }

  /** Counts of children by state (OTP's `count_children`). */
  countChildren(): ChildCounts {
    const counts: ChildCounts = { specs: this.#slots.length, active: 0, starting: 0, running: 0, restarting: 0, stopping: 0, stopped: 0 };
    for (const slot of this.#slots) {
      counts[slot.state] += 1;
      if (slot.run?.alive) counts.active += 1;
    }
    return counts;
  }

  /** A plain snapshot: state, restart counts per child and in the intensity window. */
  stats(): SupervisorStats {
    const now = this.#clock.now();
    return {
      state: this.#state,
      strategy: this.options.strategy,
      restarts: this.#restarts,
      recentRestarts: this.#intensity.recent(now),
      maxRestarts: Number.isFinite(this.options.maxRestarts) ? this.options.maxRestarts : null,
      periodMs: this.options.periodMs,
      children: this.#slots.map((slot) => slot.stats(now, this.#logs?.file(slot.name).stats(), this.#cron.nextAt(slot))),
    };
  }

  /** The address the `health` endpoint listens on, once started (to learn the port of `port: 0`). */
  healthAddress(): AddressInfo | undefined {
    return this.#operations.healthAddress();
  }

  /** The address a shared socket listens on (to learn the port of `port: 0`). */
  address(socket: string): AddressInfo | undefined {
    const address = this.#sockets.address(socket);
    return address && typeof address === 'object' ? address : undefined;
  }

  /**
   * Adds a child at the end of the start order and starts it (OTP's
   * `start_child`). Resolves with its info once it is ready. An abort of
   * `signal` before then stops the child and removes its spec, then rejects.
   *
   * @throws InvalidSpecError `ERR_SUPERVISOR_INVALID_SPEC`, SupervisorError `ERR_SUPERVISOR_DUPLICATE_CHILD`
   *   or `ERR_SUPERVISOR_STOPPED`, ChildStartError `ERR_SUPERVISOR_START_FAILED` when it did not become
   *   ready (it stays supervised and is restarted as its `restart` says), AbortError `ABORT_ERR`.
   */
  async startChild(spec: ChildSpec, { signal }: CallOptions = {}): Promise<ChildInfo> {
    const invalid = invalidSignal(signal);
    if (invalid) throw invalid;
    if (this.#closing) throw this.#stoppedError('startChild');
    const o = this.options;
    const resolved = resolveChildSpec(spec, 'spec', {
      shutdownTimeoutMs: o.shutdownTimeoutMs,
      readinessTimeoutMs: o.readinessTimeoutMs,
      backoff: o.backoff,
      stableAfterMs: o.stableAfterMs,
      cwd: o.cwd,
    });
    if (resolved.instances !== undefined) {
      throw new InvalidSpecError([`Expected \`spec.instances\` to be unset in startChild() (one child a call), got ${resolved.instances}; give the spec to the constructor, then scale() it`], 'child spec');
    }
    if (this.#find(resolved.name)) {
      throw new SupervisorError('ERR_SUPERVISOR_DUPLICATE_CHILD', `A child named \`${resolved.name}\` is already supervised`);
    }
    if (signal?.aborted) throw abortError('startChild', signal);
    const slot = new ChildSlot(resolved);
    this.#slots.push(slot);
    if (this.#state === 'idle') return slot.info();
    return abortable(this.#startAndReport(slot, 'manual'), signal, 'startChild', async () => {
      await this.#terminate(slot);
      this.#remove(slot);
    });
  }

  /**
   * Stops a child and keeps its spec (OTP's `terminate_child`); a temporary
   * child's spec is removed. Nothing restarts it until `restartChild`.
   *
   * @throws SupervisorError `ERR_SUPERVISOR_UNKNOWN_CHILD`.
   */
  async terminateChild(name: string): Promise<void> {
    await this.#terminate(this.#get(name));
  }

  async #terminate(slot: ChildSlot): Promise<void> {
    slot.wanted = false;
    slot.cancelTimer(this.#clock);
    this.#groups.drop(slot);
    const spare = this.#spares.drop(slot);
    if (slot.run?.alive) {
      slot.state = 'stopping';
      await slot.run.stop('shutdown');
    }
    await spare;
    slot.state = 'stopped';
    if (slot.spec.restart === 'temporary') this.#remove(slot);
  }

  /**
   * Starts a stopped child again (OTP's `restart_child`). Resolves with its
   * info once it is ready. An abort of `signal` before then stops it again
   * (its spec stays, as after `terminateChild`), then rejects.
   *
   * @throws SupervisorError `ERR_SUPERVISOR_UNKNOWN_CHILD`, `ERR_SUPERVISOR_CHILD_RUNNING` when it is not
   *   stopped, `ERR_SUPERVISOR_STOPPED`; ChildStartError `ERR_SUPERVISOR_START_FAILED`; AbortError `ABORT_ERR`.
   */
  async restartChild(name: string, { signal }: CallOptions = {}): Promise<ChildInfo> {
    const invalid = invalidSignal(signal);
    if (invalid) throw invalid;
    const slot = this.#get(name);
    if (this.#closing) throw this.#stoppedError('restartChild');
    if (slot.state !== 'stopped') {
      throw new SupervisorError('ERR_SUPERVISOR_CHILD_RUNNING', `Child \`${name}\` is ${slot.state}; terminate it first`);
    }
    if (signal?.aborted) throw abortError('restartChild', signal);
    slot.wanted = true;
    if (this.#state === 'idle') return slot.info();
    return abortable(this.#startAndReport(slot, 'manual'), signal, 'restartChild', () => this.#terminate(slot));
  }

  /**
   * Removes a stopped child's spec (OTP's `delete_child`).
   *
   * @throws SupervisorError `ERR_SUPERVISOR_UNKNOWN_CHILD`, `ERR_SUPERVISOR_CHILD_RUNNING` when it is not stopped.
   */
  deleteChild(name: string): void {
    const slot = this.#get(name);
    if (slot.state !== 'stopped') {
      throw new SupervisorError('ERR_SUPERVISOR_CHILD_RUNNING', `Child \`${name}\` is ${slot.state}; terminate it first`);
    }
    this.#remove(slot);
  }

  /**
   * Resizes a group of `instances` (PM2's `pm2 scale web 4`): starts copies
   * (the lowest free numbers, each at the end of the start order, each ready
   * before the next starts) or stops the newest (the highest numbers first)
   * and removes their specs. `'max'` is the machine's available parallelism.
   * Resolves with the group's children once done; scales run one after the
   * other. An abort of `signal` ends the scale before its next child.
   *
   * @throws SupervisorError `ERR_SUPERVISOR_UNKNOWN_CHILD` for a name that is no group of instances,
   *   `ERR_SUPERVISOR_STOPPED`; InvalidSpecError `ERR_SUPERVISOR_INVALID_SPEC` for a count that is no integer >= 0;
   *   ChildStartError `ERR_SUPERVISOR_START_FAILED` when a new copy did not become ready (it stays supervised); AbortError `ABORT_ERR`.
   */
  scale(group: string, count: number | 'max', { signal }: CallOptions = {}): Promise<ChildInfo[]> {
    const invalid = invalidSignal(signal);
    if (invalid) return Promise.reject(invalid);
    return this.#scaler.scale(group, count, signal);
  }

  /**
   * Restarts the running children one at a time, in start order: each is
   * stopped, started again and ready before the next is stopped (what SIGHUP
   * does). A call during a roll rolls once more after it. Stops at the first
   * child that does not become ready. An abort of `signal` ends the roll
   * before its next child (the child being restarted finishes its start, so
   * none is left down), then rejects.
   *
   * @throws SupervisorError `ERR_SUPERVISOR_STOPPED`; ChildStartError `ERR_SUPERVISOR_START_FAILED`; AbortError `ABORT_ERR`.
   */
  rollingRestart({ signal }: CallOptions = {}): Promise<void> {
    const invalid = invalidSignal(signal);
    if (invalid) return Promise.reject(invalid);
    if (this.#closing) return Promise.reject(this.#stoppedError('rollingRestart'));
    if (signal?.aborted) return Promise.reject(abortError('rollingRestart', signal));
    const rolling = this.#rolling.roll();
    return abortable(rolling, signal, 'rollingRestart', async () => {
      this.#rolling.abort();
      await rolling.catch(() => {});
    });
  }

  /** Stops the supervisor (`await using supervisor = …`). */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  // ---- starting and restarting ------------------------------------------

  async #startAndReport(slot: ChildSlot, cause: RestartCause): Promise<ChildInfo> {
    if (await this.#launch(slot, cause)) return slot.info();
    throw new ChildStartError(slot.name, slot.lastExit?.reason ?? 'shutdown');
  }

  /** Starts one run of the child; resolves true once it is ready, false if it ended first. */
  #launch(slot: ChildSlot, cause: RestartCause): Promise<boolean> {
    if (slot.run) return slot.run.readiness;
    if (this.#closing || !slot.wanted || !this.#slots.includes(slot)) return Promise.resolve(false);
    slot.cancelTimer(this.#clock);
    slot.restartAt = undefined;
    if (slot.started) this.#countRestart(slot, cause);
    slot.started = true;
    slot.state = 'starting';
    if (slot.spec.watch && !slot.watch) this.#watch(slot, slot.spec.watch);
    this.#cron.arm(slot);
    let run: ChildRun;
    try {
      run = this.#spawn(slot, (ready) => this.#onReady(slot, ready), { adopt: true, spare: this.#spares.take(slot) });
    } catch (error) {
      // pool's transport refused the spec synchronously (a thread's invalid execArgv, say).
      this.#onExit(slot, undefined, {
        info: { exitCode: null, signal: null, error: error as Error },
        reason: 'exited-before-ready',
        error: error as Error,
        rssBytes: undefined,
      });
      return Promise.resolve(false);
    }
    if (slot.spec.spare) void run.readiness.then(() => this.#spares.schedule(slot));
    return run.readiness;
  }

  #countRestart(slot: ChildSlot, cause: RestartCause): void {
    slot.restarts += 1;
    this.#restarts += 1;
    this.emit('restart', { name: slot.name, cause, restarts: slot.restarts });
  }

  /**
   * Spawns a run of the child (from `spare`, the endpoint of its warm spare)
   * and announces it. With `adopt` it is the slot's run from its spawn on;
   * without (a surge's successor), `onReady` decides whether it becomes so.
   *
   * @throws what pool's transport throws for a spec it refuses synchronously.
   */
  #spawn(slot: ChildSlot, onReady: (run: ChildRun) => void, { adopt = false, spare }: { adopt?: boolean; spare?: Endpoint } = {}): ChildRun {
    const run = new ChildRun(
      slot.spec,
      {
        clock: this.#clock,
        output: this.#output(slot),
        hooks: {
          onReady,
          onExit: (ended, exit) => this.#onExit(slot, ended, exit),
          onSocketRequest: (asking, message) => this.#sockets.handle(asking, message),
        },
      },
      spare,
    );
    if (adopt) slot.run = run;
    this.#runs.add(run);
    this.emit('spawn', { name: slot.name, kind: slot.spec.kind, pid: run.pid, threadId: run.threadId, restarts: slot.restarts });
    return run;
  }

  /** Watch mode: a change under the child's watched folders restarts it (unless it was stopped by hand). */
  #watch(slot: ChildSlot, watch: NonNullable<ResolvedChildSpec['watch']>): void {
    // The supervisor's own files must not restart the child they log.
    const own = [this.options.runFolder, this.options.logs?.dir].filter((path): path is string => path !== undefined);
    slot.watch = new FileWatch(
      { ...watch, ignore: [...watch.ignore, ...own] },
      () => {
        if (this.#closing || !slot.wanted || !this.#slots.includes(slot)) return;
        void (async () => {
          await this.#terminate(slot);
          slot.wanted = true;
          await this.#launch(slot, 'watch');
        })().catch((error: unknown) => this.emit('error', { error: error as Error }));
      },
      (error) => this.emit('error', { error: new SupervisorError('ERR_SUPERVISOR_INVALID_SPEC', `Could not watch the files of child \`${slot.name}\``, { cause: error }) }),
    );
  }

  /** Where the child's output goes: the master's streams as `output` says, and its log file. */
  #output(slot: ChildSlot): ChildOutput {
    return childOutput(slot.name, this.options.output, this.#logs?.file(slot.name));
  }

  #onReady(slot: ChildSlot, run: ChildRun): void {
    if (slot.run !== run) return;
    slot.state = 'running';
    this.emit('ready', { name: slot.name, pid: run.pid, threadId: run.threadId, startupMs: (run.readyAt ?? run.spawnedAt) - run.spawnedAt });
    this.#sockets.onReady();
  }

  #onExit(slot: ChildSlot, run: ChildRun | undefined, exit: RunExit): void {
    const now = this.#clock.now();
    if (run) {
      if (this.#logs) {
        const closed = run.endpoint.closed;
        this.#pipes.add(closed);
        void closed.then(() => this.#pipes.delete(closed));
      }
      this.#runs.delete(run);
      this.#sockets.forget(run);
    }
    const current = run === undefined || slot.run === run;
    if (current) slot.run = undefined;
    slot.lastExit = { reason: exit.reason, exitCode: exit.info.exitCode, signal: exit.info.signal, at: now };
    const handled = current && !this.#closing && exit.reason !== 'shutdown' && this.#slots.includes(slot);
    const willRestart = handled
      ? slot.wanted && shouldRestart(slot.spec.restart, exit.reason)
      : current && !this.#closing && slot.restartAfterStop;
    if (current) slot.restartAfterStop = false;
    this.emit('exit', {
      name: slot.name,
      pid: run?.pid,
      threadId: run?.threadId ?? 0,
      reason: exit.reason,
      exitCode: exit.info.exitCode,
      signal: exit.info.signal,
      error: exit.error,
      rssBytes: exit.rssBytes,
      willRestart,
    });
    // A child stopped on purpose: whoever stopped it sets its state.
    if (!handled) return;
    if (!willRestart) {
      slot.state = 'stopped';
      if (slot.spec.restart === 'temporary') this.#remove(slot);
      return;
    }
    // Our addition to OTP: a child that ran stableAfterMs starts over at once;
    // one that failed sooner waits its back-off.
    const stable = run?.readyAt !== undefined && now - run.readyAt >= slot.spec.stableAfterMs;
    if (stable) slot.backoff.succeed();
    const delay = stable ? 0 : slot.backoff.fail();
    if (!this.#intensity.record(now) || delay === undefined) {
      slot.state = 'stopped';
      this.#giveUp(slot, delay === undefined);
      return;
    }
    if (delay > 0) {
      slot.restartAt = now + delay;
      this.emit('backoff', { name: slot.name, delayMs: delay, consecutiveFailures: slot.backoff.failures });
    }
    if (this.options.strategy === 'one-for-one') this.#restartOne(slot, delay, exit.reason);
    else this.#groups.restart(slot, this.options.strategy, delay, exit.reason);
  }

  #restartOne(slot: ChildSlot, delay: number, cause: RestartCause): void {
    slot.state = 'restarting';
    if (delay === 0) {
      void this.#launch(slot, cause);
      return;
    }
    slot.timer = this.#clock.setTimeout(() => {
      slot.timer = undefined;
      if (slot.state === 'restarting') void this.#launch(slot, cause);
    }, delay);
  }

  // ---- stopping -----------------------------------------------------------

  #giveUp(slot: ChildSlot, backoffExhausted: boolean): void {
    const error = new GaveUpError({ child: slot.name, maxRestarts: this.options.maxRestarts, periodMs: this.options.periodMs });
    if (backoffExhausted) {
      error.message = `Gave up: child \`${slot.name}\` failed ${slot.backoff.failures} times in a row (its backoff.maxFailures); every child was stopped`;
    }
    this.#failure = error;
    this.emit('giveUp', { name: slot.name, maxRestarts: this.options.maxRestarts, periodMs: this.options.periodMs, error });
    void this.#beginStop('give-up');
  }

  #beginStop(reason: 'stop' | 'signal' | 'give-up', signal?: NodeJS.Signals): Promise<void> {
    if (this.#stopping) return this.#stopping;
    this.#closing = true;
    if (this.#state === 'idle') {
      this.#state = 'stopped';
      this.#stopping = Promise.resolve();
      this.#settleStopped();
      return this.#stopping;
    }
    this.#state = 'stopping';
    this.#operations.stopping();
    this.emit('shutdown', { reason, signal });
    this.#groups.cancel();
    this.#cron.close();
    for (const slot of this.#slots) {
      slot.cancelTimer(this.#clock);
      slot.watch?.close();
      void this.#spares.drop(slot);
    }
    this.#stopping = (async () => {
      for (const slot of [...this.#slots].reverse()) {
        const run = slot.run;
        if (run?.alive) {
          slot.state = 'stopping';
          await (this.#killing ? run.kill() : run.stop('shutdown'));
        }
        slot.state = 'stopped';
      }
      // Runs no slot holds any more (none are expected), then the sockets.
      await Promise.all([...this.#runs].map((run) => (this.#killing ? run.kill() : run.stop('shutdown'))));
      // Spares are no children, but they are processes: none outlives the supervisor.
      await this.#spares.stopped();
      if (this.#logs) {
        // Every child has ended; its last lines may still be in its pipes. A grandchild that
        // holds a pipe open must not hold the stop: wait a moment at most (real time, whatever the clock).
        await Promise.race([Promise.all([...this.#pipes]), delay(LAST_LINES_MS, undefined, { ref: false })]);
        await this.#logs.close();
      }
      this.#sockets.close();
      this.#removeSignalHandlers?.();
      this.#state = 'stopped';
      // Last: `status` answers while the children stop, a followed log gets their last lines,
      // and `shutdown` is answered once the supervisor has stopped.
      await this.#operations.close();
      this.#settleStopped(this.#failure);
    })();
    return this.#stopping;
  }

  // ---- lookups ------------------------------------------------------------

  #find(name: string): ChildSlot | undefined {
    return this.#slots.find((slot) => slot.name === name);
  }

  #get(name: string): ChildSlot {
    const slot = this.#find(name);
    if (!slot) {
      const known = this.#slots.map((s) => `\`${s.name}\``).join(', ') || 'none';
      throw new SupervisorError('ERR_SUPERVISOR_UNKNOWN_CHILD', `No child named \`${name}\` (known: ${known})`);
    }
    return slot;
  }

  #remove(slot: ChildSlot): void {
    slot.watch?.close();
    slot.watch = undefined;
    slot.cancelTimer(this.#clock);
    void this.#spares.drop(slot);
    this.#groups.drop(slot);
    const index = this.#slots.indexOf(slot);
    if (index !== -1) this.#slots.splice(index, 1);
  }

  #stoppedError(what: string): SupervisorError {
    return new SupervisorError('ERR_SUPERVISOR_STOPPED', `Cannot ${what}(): the supervisor is ${this.#state}`);
  }
}
