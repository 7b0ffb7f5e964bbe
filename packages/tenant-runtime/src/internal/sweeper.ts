/**
 * The runtime's two background timers, armed only while tenants run and
 * driven by the injected clock: the idle sweep (stops tenants unused for
 * `idleAfterMs`) and the observation (reads each running tenant's CPU time
 * and RSS from `/proc` for `onMetrics`). Both are unref'd: they never hold
 * the host process open.
 */
import type { ClockTimer } from '@drove/pool/clock';
import { readProcStat } from '@drove/pool/telemetry';
import type { RuntimeMetricEvent } from '../events.js';
import type { ResolvedTenantRuntimeOptions } from '../options.js';

interface RunningTenant {
  key: string;
  tenant: { pid: number; lastTouchedAt: number };
}

export interface SweeperHooks {
  running(): Iterable<RunningTenant>;
  idle(entry: RunningTenant, idleMs: number): void;
  observe(event: RuntimeMetricEvent): void;
}

export class Sweeper {
  #sweepTimer: ClockTimer | undefined;
  #observeTimer: ClockTimer | undefined;
  #stopped = false;

  constructor(
    private readonly options: ResolvedTenantRuntimeOptions,
    private readonly hooks: SweeperHooks,
  ) {}

  /** Arms the timers that are not armed (a tenant became ready). */
  start(): void {
    if (this.#stopped) return;
    const { clock, idleAfterMs, sweepIntervalMs, observeIntervalMs, onMetrics } = this.options;
    if (idleAfterMs > 0 && this.#sweepTimer === undefined) {
      this.#sweepTimer = clock.setTimeout(() => this.#sweep(), sweepIntervalMs, { unref: true });
    }
    if (observeIntervalMs > 0 && onMetrics !== undefined && this.#observeTimer === undefined) {
      this.#observeTimer = clock.setTimeout(() => void this.#observe(), observeIntervalMs, { unref: true });
    }
  }

  stop(): void {
    this.#stopped = true;
    const { clock } = this.options;
    if (this.#sweepTimer !== undefined) clock.clearTimeout(this.#sweepTimer);
    if (this.#observeTimer !== undefined) clock.clearTimeout(this.#observeTimer);
    this.#sweepTimer = undefined;
    this.#observeTimer = undefined;
  }

  #sweep(): void {
    this.#sweepTimer = undefined;
    const now = this.options.clock.now();
    const idle: [RunningTenant, number][] = [];
    let running = 0;
    for (const entry of this.hooks.running()) {
      const idleMs = now - entry.tenant.lastTouchedAt;
      if (idleMs >= this.options.idleAfterMs) idle.push([entry, idleMs]);
      else running++;
    }
    for (const [entry, idleMs] of idle) this.hooks.idle(entry, idleMs);
    if (running > 0) this.start();
  }

  async #observe(): Promise<void> {
    const at = this.options.clock.now();
    const running = [...this.hooks.running()];
    const stats = await Promise.all(running.map(({ tenant }) => readProcStat(tenant.pid)));
    this.#observeTimer = undefined;
    running.forEach(({ key, tenant }, index) => {
      const stat = stats[index];
      // Undefined off Linux, or when the process ended meanwhile.
      if (stat === undefined) return;
      this.hooks.observe({ type: 'observation', key, pid: tenant.pid, cpuMs: stat.cpuMs, rssBytes: stat.rssBytes, at });
    });
    if (running.length > 0) this.start();
  }
}
