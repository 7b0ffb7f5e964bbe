/**
 * What the front door knows of each tenant, kept from the runtime's
 * `onTransition` and `onMetrics` hooks: the state a person would name, the
 * last exit, and CPU and memory from the runtime's `/proc` observations.
 */
import type { RuntimeMetricEvent, RuntimeTransitionEvent } from '@drove/tenant-runtime';
import type { TenantView } from '../shared/state.js';

export class TenantBoard {
  readonly #tenants = new Map<string, TenantView>();
  /** Whether each tenant's current process reported ready (an exit before it is a failed start, which backs off). */
  readonly #wasReady = new Map<string, boolean>();
  readonly #lastCpu = new Map<string, { cpuMs: number; at: number }>();

  constructor(keys: readonly string[], private readonly now: () => number = Date.now) {
    for (const key of keys) this.#tenants.set(key, this.#blank(key));
  }

  #blank(key: string): TenantView {
    return {
      key,
      state: 'cold',
      pid: undefined,
      port: undefined,
      since: this.now(),
      readyMs: undefined,
      spawns: 0,
      lastExit: undefined,
      retryAt: undefined,
      cpuPercent: undefined,
      rssBytes: undefined,
    };
  }

  #get(key: string): TenantView {
    let tenant = this.#tenants.get(key);
    if (!tenant) {
      tenant = this.#blank(key);
      this.#tenants.set(key, tenant);
    }
    return tenant;
  }

  #enter(tenant: TenantView, state: TenantView['state']): void {
    if (tenant.state !== state) tenant.since = this.now();
    tenant.state = state;
  }

  transition(event: RuntimeTransitionEvent): void {
    if (event.type === 'drain' || event.type === 'limit-skipped') return;
    const tenant = this.#get(event.key);
    switch (event.type) {
      case 'spawn':
        this.#enter(tenant, 'starting');
        tenant.pid = event.pid;
        tenant.spawns += 1;
        tenant.retryAt = undefined;
        this.#wasReady.set(event.key, false);
        this.#lastCpu.delete(event.key);
        break;
      case 'ready':
        this.#enter(tenant, 'ready');
        tenant.port = event.port;
        tenant.readyMs = Math.round(event.durationMs);
        this.#wasReady.set(event.key, true);
        break;
      case 'exit': {
        tenant.lastExit = { reason: event.reason, exitCode: event.exitCode, signal: event.signal };
        // An exit is reported once its output was read, possibly after the key's next process spawned.
        if (tenant.pid !== undefined && tenant.pid !== event.pid) break;
        const failedStart = this.#wasReady.get(event.key) === false && event.reason !== 'killed' && event.reason !== 'disposed';
        this.#enter(tenant, event.reason === 'idle-killed' ? 'idle-killed' : failedStart ? 'backing-off' : 'stopped');
        tenant.pid = undefined;
        tenant.port = undefined;
        tenant.cpuPercent = undefined;
        tenant.rssBytes = undefined;
        break;
      }
      case 'backoff':
        this.#enter(tenant, 'backing-off');
        tenant.retryAt = event.retryAfterMs === null ? undefined : this.now() + event.retryAfterMs;
        break;
      default:
        break;
    }
  }

  metrics(event: RuntimeMetricEvent): void {
    if (event.type !== 'observation') return;
    const tenant = this.#get(event.key);
    if (tenant.pid !== event.pid) return;
    const last = this.#lastCpu.get(event.key);
    if (last && event.at > last.at) tenant.cpuPercent = Math.round(((event.cpuMs - last.cpuMs) / (event.at - last.at)) * 1000) / 10;
    this.#lastCpu.set(event.key, { cpuMs: event.cpuMs, at: event.at });
    tenant.rssBytes = event.rssBytes;
  }

  /** A backing-off tenant whose back-off was cleared is cold again. */
  cleared(key: string): void {
    const tenant = this.#get(key);
    if (tenant.state === 'backing-off') {
      this.#enter(tenant, 'cold');
      tenant.retryAt = undefined;
    }
  }

  list(): TenantView[] {
    return [...this.#tenants.values()].map((tenant) => ({ ...tenant }));
  }
}
