/**
 * Applies `limits.memoryMaxBytes` to each tenant process: probes the host
 * once, says once (a `limit-skipped` transition) why it cannot where it
 * cannot, and otherwise puts each process in a cgroup of its own, removed
 * when the process has exited.
 */
import type { RuntimeTransitionEvent } from '../events.js';
import { attachMemoryCgroup, probeMemoryCgroup, removeMemoryCgroup, type MemoryCgroupProbe } from '../memory-cgroup.js';
import type { TenantProcess } from './tenant-process.js';

export class MemoryLimit {
  #probe: Promise<MemoryCgroupProbe> | undefined;

  constructor(
    private readonly memoryMaxBytes: number,
    private readonly cgroupParent: string | undefined,
    private readonly emit: (event: Extract<RuntimeTransitionEvent, { type: 'limit-skipped' }>) => void,
  ) {}

  async apply(tenant: TenantProcess): Promise<void> {
    if (!this.#probe) {
      this.#probe = probeMemoryCgroup(this.cgroupParent);
      const probe = await this.#probe;
      if (!probe.available) this.emit({ type: 'limit-skipped', limit: 'memory-cgroup', reason: probe.reason });
    }
    const probe = await this.#probe;
    if (!probe.available) return;
    try {
      const directory = await attachMemoryCgroup(probe.parent, tenant.key, tenant.pid, this.memoryMaxBytes);
      void tenant.exited.then(() => removeMemoryCgroup(directory));
    } catch (error) {
      this.emit({
        type: 'limit-skipped',
        limit: 'memory-cgroup',
        reason: `could not put tenant "${tenant.key}" in a cgroup under ${probe.parent}: ${(error as Error).message}`,
      });
    }
  }
}
