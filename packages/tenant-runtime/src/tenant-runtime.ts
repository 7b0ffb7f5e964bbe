/**
 * The tenant runtime: one small Node server per tenant, started on first use
 * and stopped when idle, under a hard cap on processes.
 *
 * @module
 */
import { realpath } from 'node:fs/promises';
import type { Socket } from 'node:net';
import {
  AbortError,
  InvalidOptionError,
  TenantBackoffError,
  TenantDisposedError,
  TenantDrainingError,
} from './errors.js';
import {
  EXIT_REASONS,
  type ExitReason,
  type RuntimeMetricEvent,
  type RuntimeMetrics,
  type RuntimeStats,
  type RuntimeTransitionEvent,
  type Tenant,
} from './events.js';
import { BackoffBook } from './internal/backoff-book.js';
import { MemoryLimit } from './internal/memory-limit.js';
import { Slots, type SlotPlace } from './internal/slots.js';
import { Sweeper } from './internal/sweeper.js';
import { TenantProcess } from './internal/tenant-process.js';
import { tenantSpawnSpec } from './internal/spawn-spec.js';
import { isStartFailure, stoppedStartError, withSignal } from './internal/settle.js';
import { resolveTenantRuntimeOptions, type ResolvedTenantRuntimeOptions, type TenantRuntimeOptions } from './options.js';
import { assertEntryInsideRoot, assertTenantKey, resolveTenantDirectory } from './tenant-key.js';
import { check } from './internal/validate.js';

/** Options of {@link TenantRuntime.ensure} and {@link TenantRuntime.restart}. */
export interface EnsureOptions {
  /** Stops waiting (the call rejects with `ABORT_ERR`); a start shared with other callers goes on. */
  signal?: AbortSignal;
}

interface MutableTenant {
  key: string;
  port: number;
  pid: number;
  startedAt: number;
  lastTouchedAt: number;
}

/** One key's current start or running process. */
interface Entry {
  readonly key: string;
  state: 'starting' | 'running' | 'stopping';
  /** What every caller of this start awaits. */
  readonly started: Promise<Tenant>;
  resolve: (tenant: Tenant | Promise<Tenant>) => void;
  reject: (error: unknown) => void;
  /** Aborts the start: kill, restart, dispose while starting. */
  readonly abort: AbortController;
  stopReason: ExitReason | undefined;
  process: TenantProcess | undefined;
  tenant: MutableTenant | undefined;
  /** A restart replaced this start: its callers get the new start's outcome. */
  successor: Entry | undefined;
  /** Settles once the start has settled and its process (if any) has exited. */
  done: Promise<void>;
}

/**
 * Runs one Node server per tenant key, each in its own process, started on
 * first `ensure()` and stopped when idle, under a hard cap on processes.
 *
 * @example
 * ```ts
 * import { createRuntime } from '@drove/tenant-runtime';
 * const runtime = createRuntime({ source: { kind: 'directory', root: '/srv/tenants' }, maxConcurrent: 50 });
 * const tenant = await runtime.ensure('acme');      // spawns /srv/tenants/acme/server.js, waits until it listens
 * await fetch(`http://127.0.0.1:${tenant.port}/`);
 * await runtime.dispose();
 * ```
 */
export class TenantRuntime {
  /** The resolved options. */
  readonly options: ResolvedTenantRuntimeOptions;
  readonly #entries = new Map<string, Entry>();
  /** Per key: the exit of its last stopped process, which a new start of the key waits for. */
  readonly #exiting = new Map<string, Promise<void>>();
  readonly #restarts = new Map<string, Promise<Tenant>>();
  readonly #backoff: BackoffBook;
  readonly #slots: Slots;
  readonly #sweeper: Sweeper;
  #realRoot: Promise<string> | undefined;
  readonly #memoryLimit: MemoryLimit | undefined;
  #draining = false;
  #disposed: Promise<void> | undefined;
  #totalSpawns = 0;
  readonly #totalExits = Object.fromEntries(EXIT_REASONS.map((reason) => [reason, 0])) as Record<ExitReason, number>;
  #totalBackoffEntries = 0;
  #lastSpawnMs = 0;

  constructor(options: TenantRuntimeOptions) {
    this.options = resolveTenantRuntimeOptions(options);
    this.#backoff = new BackoffBook(this.options.backoff, this.options.clock);
    const { memoryMaxBytes, cgroupParent } = this.options.limits;
    if (memoryMaxBytes !== undefined) this.#memoryLimit = new MemoryLimit(memoryMaxBytes, cgroupParent, (event) => this.#emit(event));
    this.#slots = new Slots(this.options.maxConcurrent, () => this.#evictOne());
    this.#sweeper = new Sweeper(this.options, {
      running: () => this.#running(),
      idle: (entry, idleMs) => {
        this.#emit({ type: 'idle-kill', key: entry.key, pid: entry.tenant.pid, reason: 'idle-threshold', idleMs });
        void this.#stop(entry as Entry, 'idle-killed');
      },
      observe: (event) => this.#metric(event),
    });
  }

  /**
   * Resolves `key` to its running tenant: returns the running one at once
   * (and counts as a touch), or starts it (spawn, then wait for it to report
   * ready). Concurrent calls for a key share one start: N callers, one process.
   *
   * @throws InvalidTenantKeyError `ERR_TENANT_INVALID_KEY`: bad key, or its directory escapes the root (nothing spawned).
   * @throws TenantNotFoundError `ERR_TENANT_NOT_FOUND`: no directory for the key.
   * @throws TenantBackoffError `ERR_TENANT_BACKOFF`: recent starts failed; `retryAfterMs` says when to retry.
   * @throws TenantDrainingError `ERR_TENANT_DRAINING`: `drain()` was called and the tenant is not running.
   * @throws TenantExitedError `ERR_TENANT_EXITED`: it exited (or was stopped) before it was ready.
   * @throws TenantNotReadyError `ERR_TENANT_NOT_READY`: it did not report ready within `readyTimeoutMs`.
   * @throws TenantDisposedError `ERR_TENANT_DISPOSED`.
   */
  ensure(key: string, options?: EnsureOptions): Promise<Tenant> {
    const tenant = this.#entries.get(key)?.tenant;
    if (tenant !== undefined) {
      tenant.lastTouchedAt = this.options.clock.now();
      return Promise.resolve(tenant);
    }
    return this.#ensureSlow(key, options);
  }

  async #ensureSlow(key: string, options: EnsureOptions | undefined): Promise<Tenant> {
    if (options?.signal !== undefined) check.signal('signal', options.signal);
    if (this.#disposed) throw new TenantDisposedError();
    let entry = this.#entries.get(key);
    if (entry === undefined) {
      assertTenantKey(key);
      if (this.#draining) throw new TenantDrainingError(key);
      const refusal = this.#backoff.refusal(key);
      if (refusal) {
        this.#emit({ type: 'backoff', key, attempt: refusal.attempt, retryAfterMs: refusal.retryAfterMs });
        throw new TenantBackoffError(key, refusal.attempt, refusal.retryAfterMs, refusal.lastError);
      }
      entry = this.#begin(key);
    }
    return withSignal(entry.started, options?.signal);
  }

  /**
   * Resolves once the process behind `tenant` (as `ensure()` gave it) has
   * exited and the runtime has seen it, so the next `ensure()` starts a new
   * one; at once when it has already. The proxy uses it to retry a request
   * that found its tenant's port closed (the tenant had just died).
   */
  exited(tenant: Tenant): Promise<void> {
    const entry = this.#entries.get(tenant.key);
    if (entry?.tenant !== tenant || entry.process === undefined) return Promise.resolve();
    // #onExit was chained onto `exited` at spawn, before this: it has run when this settles.
    return entry.process.exited.then(() => undefined);
  }

  /**
   * Hands a client connection to `tenant` (as `ensure()` gave it): its server
   * serves the connection from then on, with no hop through this process.
   * The proxy's `handoff` mode is built on it. Read what routing needs with
   * pool's `readConnectionHead` first (it stops the socket reading, so no
   * byte is lost) and pass those bytes as `head`: the tenant's server reads
   * them first. Resolves true once the tenant took the connection (and counts
   * as a touch); false when it cannot take connections (it did not listen
   * through `@drove/tenant-runtime/tenant` under `listen: 'handle'`) or it
   * exited first, and the socket is then still the caller's, unread past `head`.
   */
  async handOver(tenant: Tenant, socket: Socket, head: Uint8Array): Promise<boolean> {
    const entry = this.#entries.get(tenant.key);
    if (entry?.tenant !== tenant || entry.process === undefined) return false;
    const taken = await entry.process.handOver(socket, head);
    if (taken) this.touch(tenant.key);
    return taken;
  }

  /** Marks `key` as used now: the idle clock starts over. Cheap; no-op unless it runs. */
  touch(key: string): void {
    const tenant = this.#entries.get(key)?.tenant;
    if (tenant !== undefined) tenant.lastTouchedAt = this.options.clock.now();
  }

  /**
   * Stops `key`'s process (SIGTERM, then SIGKILL after `stopGraceMs`) and
   * resolves once it has exited. A start under way is cancelled (its callers
   * reject `ERR_TENANT_EXITED` with reason `killed`). No-op when not running.
   */
  async kill(key: string): Promise<void> {
    const entry = this.#entries.get(key);
    if (entry !== undefined) await this.#stop(entry, 'killed');
    else await this.#exiting.get(key);
  }

  /**
   * Stops `key`'s process and starts a fresh one (for a deploy that swapped
   * the tenant's code), and resolves with the new tenant. Concurrent calls
   * share one restart; `ensure()` callers meanwhile get the new process. The
   * old process has exited before the new one is spawned. It starts even
   * while the key backs off.
   *
   * @throws the codes of {@link TenantRuntime.ensure}.
   */
  restart(key: string, options?: EnsureOptions): Promise<Tenant> {
    const pending = this.#restarts.get(key);
    if (pending) return withSignal(pending, options?.signal);
    try {
      if (this.#disposed) throw new TenantDisposedError();
      assertTenantKey(key);
      if (this.#draining) throw new TenantDrainingError(key);
    } catch (error) {
      return Promise.reject(error);
    }
    const old = this.#entries.get(key);
    if (old) void this.#stop(old, 'restarted');
    const fresh = this.#begin(key);
    if (old?.state === 'stopping' && old.tenant === undefined) old.successor = fresh;
    const restarted = fresh.started.finally(() => {
      if (this.#restarts.get(key) === restarted) this.#restarts.delete(key);
    });
    restarted.catch(() => {});
    this.#restarts.set(key, restarted);
    return withSignal(restarted, options?.signal);
  }

  /** Forgets `key`'s failed starts: the next `ensure()` tries at once. */
  clearBackoff(key: string): void {
    this.#backoff.forget(key);
  }

  /**
   * Refuses to start tenants from now on (`ERR_TENANT_DRAINING`); running
   * tenants go on serving. Wait for `stats().running` to fall, or `dispose()`.
   */
  drain(): void {
    if (this.#draining) return;
    this.#draining = true;
    this.#emit({ type: 'drain', reason: 'drain-requested' });
  }

  /**
   * Stops every tenant (SIGTERM, then SIGKILL after `stopGraceMs`, all at
   * once) and the sweeper; resolves once every process has exited. Starts
   * under way reject `ERR_TENANT_DISPOSED`. Idempotent.
   */
  dispose(): Promise<void> {
    this.#disposed ??= this.#dispose();
    return this.#disposed;
  }

  async #dispose(): Promise<void> {
    this.#draining = true;
    this.#sweeper.stop();
    this.#slots.rejectAll(new TenantDisposedError());
    const stops = [...this.#entries.values()].map((entry) => this.#stop(entry, 'disposed'));
    await Promise.all([...stops, ...this.#exiting.values()]);
  }

  /** `dispose()` for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.dispose();
  }

  /** A point-in-time snapshot. */
  stats(): RuntimeStats {
    let running = 0;
    for (const entry of this.#entries.values()) if (entry.state === 'running') running++;
    return {
      running,
      total: this.#entries.size,
      starting: this.#entries.size - running,
      processes: this.#slots.used,
      draining: this.#draining,
      backoff: this.#backoff.size,
    };
  }

  /** {@link stats} plus counters since `createRuntime()`; they survive `dispose()`. */
  metrics(): RuntimeMetrics {
    return {
      ...this.stats(),
      totalSpawns: this.#totalSpawns,
      totalExits: { ...this.#totalExits },
      totalBackoffEntries: this.#totalBackoffEntries,
      lastSpawnMs: this.#lastSpawnMs,
    };
  }

  // ─── starting ─────────────────────────────────────────────────────────────

  #begin(key: string): Entry {
    let resolve!: Entry['resolve'];
    let reject!: Entry['reject'];
    const started = new Promise<Tenant>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // Every caller handles the outcome; this keeps a start nobody awaits any more (an aborted wait) from being reported unhandled.
    started.catch(() => {});
    const entry: Entry = {
      key,
      state: 'starting',
      started,
      resolve,
      reject,
      abort: new AbortController(),
      stopReason: undefined,
      process: undefined,
      tenant: undefined,
      successor: undefined,
      done: Promise.resolve(),
    };
    this.#entries.set(key, entry);
    const prior = this.#exiting.get(key);
    entry.done = this.#start(entry, prior).then(async () => {
      await entry.process?.exited;
    });
    return entry;
  }

  async #start(entry: Entry, prior: Promise<void> | undefined): Promise<void> {
    const { key } = entry;
    const signal = entry.abort.signal;
    let slot = false;
    let place: SlotPlace | undefined;
    try {
      // The key's previous process must be gone first: two copies of one tenant never run at once.
      if (prior) await prior;
      this.#throwIfStopped(entry);
      // The place in line for a slot is taken now, before the directory is resolved: starts get their slots
      // in the order they began (synchronously in ensure() when nothing is exiting), not in the order their
      // file-system calls happen to finish.
      place = this.#slots.reserve(signal);
      const root = await this.#root();
      const directory = await resolveTenantDirectory(root, key);
      if (this.options.entry !== undefined) await assertEntryInsideRoot(root, key, directory, this.options.entry);
      this.#throwIfStopped(entry);
      await place.acquire();
      slot = true;
      this.#throwIfStopped(entry);
      const spawnedAt = performance.now();
      const tenantProcess = await TenantProcess.start({
        key,
        listen: this.options.listen,
        spawn: tenantSpawnSpec(this.options, key, directory),
        maxLogLineLength: this.options.maxLogLineLength,
        clock: this.options.clock,
        onLog: this.options.onLog ? (event) => this.#hook(this.options.onLog, event) : undefined,
        onActive: () => this.touch(key),
      });
      slot = false; // from here the slot is given back when the process exits
      entry.process = tenantProcess;
      this.#totalSpawns++;
      void tenantProcess.exited.then((exit) => this.#onExit(entry, tenantProcess, exit.exitCode, exit.signal));
      this.#emit({ type: 'spawn', key, pid: tenantProcess.pid, port: tenantProcess.port });
      const onAbort = () => void tenantProcess.stop(entry.stopReason ?? 'killed', this.options.stopGraceMs);
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
      const cgroup = this.#memoryLimit?.apply(tenantProcess);
      const startedAt = this.options.clock.now();
      const port = await tenantProcess.ready(this.options.readyTimeoutMs, this.options.clock, this.options.stopGraceMs);
      await cgroup;
      // Stopped while it got ready: the abort listener has stopped the process already.
      this.#throwIfStopped(entry);
      signal.removeEventListener('abort', onAbort);
      const durationMs = performance.now() - spawnedAt;
      const tenant: MutableTenant = { key, port, pid: tenantProcess.pid, startedAt, lastTouchedAt: this.options.clock.now() };
      entry.tenant = tenant;
      entry.state = 'running';
      this.#backoff.forget(key);
      this.#lastSpawnMs = durationMs;
      this.#metric({ type: 'spawn', key, pid: tenant.pid, port, durationMs });
      this.#emit({ type: 'ready', key, pid: tenant.pid, port, durationMs });
      this.#sweeper.start();
      entry.resolve(tenant);
      // A tenant became evictable: starts waiting for a slot may use it.
      this.#slots.pump();
    } catch (error) {
      place?.cancel(); // a no-op once the slot was taken
      if (slot) this.#slots.release();
      if (this.#entries.get(key) === entry) this.#entries.delete(key);
      const failure = stoppedStartError(entry.key, entry.stopReason, entry.process?.pid, error);
      if (isStartFailure(failure)) {
        this.#backoff.fail(key, failure as Error);
        this.#totalBackoffEntries++;
      }
      if (entry.successor) entry.resolve(entry.successor.started);
      else entry.reject(failure);
    }
  }

  #throwIfStopped(entry: Entry): void {
    if (entry.abort.signal.aborted) throw new AbortError(`The start of tenant "${entry.key}" was cancelled`);
  }

  #root(): Promise<string> {
    this.#realRoot ??= realpath(this.options.root).catch((error: unknown) => {
      this.#realRoot = undefined;
      throw new InvalidOptionError(`Expected \`source.root\` to be an existing directory, got \`${this.options.root}\``, {
        cause: error,
      });
    });
    return this.#realRoot;
  }

  // ─── stopping ─────────────────────────────────────────────────────────────

  /** Stops an entry, whatever its state; resolves once its process (if any) has exited. */
  #stop(entry: Entry, reason: ExitReason): Promise<void> {
    if (entry.state === 'stopping') return entry.done;
    entry.state = 'stopping';
    entry.stopReason = reason;
    if (this.#entries.get(entry.key) === entry) this.#entries.delete(entry.key);
    const tenantProcess = entry.process;
    if (tenantProcess && entry.tenant) void tenantProcess.stop(reason, this.options.stopGraceMs);
    else entry.abort.abort();
    const done = entry.done;
    this.#exiting.set(entry.key, done);
    void done.then(() => {
      if (this.#exiting.get(entry.key) === done) this.#exiting.delete(entry.key);
    });
    return done;
  }

  /** Evicts the least recently used running tenant for a start waiting for a slot. */
  #evictOne(): Promise<void> | undefined {
    let victim: Entry | undefined;
    for (const entry of this.#entries.values()) {
      if (entry.state !== 'running' || entry.tenant === undefined) continue;
      if (victim === undefined || entry.tenant.lastTouchedAt < (victim.tenant as MutableTenant).lastTouchedAt) victim = entry;
    }
    if (victim === undefined || victim.tenant === undefined) return undefined;
    this.#emit({ type: 'lru-evict', key: victim.key, pid: victim.tenant.pid, reason: 'max-concurrent' });
    return this.#stop(victim, 'lru-evicted');
  }

  #onExit(entry: Entry, tenantProcess: TenantProcess, exitCode: number | null, signal: NodeJS.Signals | null): void {
    const reason = tenantProcess.stopReason ?? (exitCode === 0 ? 'exited-clean' : 'crashed');
    this.#totalExits[reason]++;
    // A running tenant that ended by itself leaves the table now; the next ensure() starts it again.
    if (this.#entries.get(entry.key) === entry) this.#entries.delete(entry.key);
    entry.state = 'stopping';
    entry.tenant = undefined;
    this.#emit({ type: 'exit', key: entry.key, pid: tenantProcess.pid, exitCode, signal, reason });
    // After the exit event: a start that waited for this slot spawns only now.
    this.#slots.release();
  }

  *#running(): IterableIterator<{ key: string; tenant: MutableTenant }> {
    for (const entry of this.#entries.values()) {
      if (entry.state === 'running' && entry.tenant !== undefined) yield entry as { key: string; tenant: MutableTenant };
    }
  }

  // ─── hooks ────────────────────────────────────────────────────────────────

  #emit(event: RuntimeTransitionEvent): void {
    this.#hook(this.options.onTransition, event);
  }

  #metric(event: RuntimeMetricEvent): void {
    this.#hook(this.options.onMetrics, event);
  }

  #hook<E>(hook: ((event: E) => void) | undefined, event: E): void {
    if (hook === undefined) return;
    try {
      hook(event);
    } catch {
      // Hooks are observational: a throwing hook must not break a start or a stop.
    }
  }
}

/**
 * Creates a {@link TenantRuntime}. Options are checked at once.
 *
 * @throws InvalidOptionError (`ERR_TENANT_INVALID_OPTION`) naming the option, the expected form and the value.
 * @example
 * ```ts
 * import { createRuntime } from '@drove/tenant-runtime';
 * const runtime = createRuntime({ source: { kind: 'directory', root: '/srv/tenants' }, idleAfterMs: 5 * 60_000 });
 * ```
 */
export function createRuntime(options: TenantRuntimeOptions): TenantRuntime {
  return new TenantRuntime(options);
}
