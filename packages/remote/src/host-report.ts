import type { WorkerTelemetry } from '@drove/pool/telemetry';
import type { PoolStats } from '@drove/pool';

/** A plain, serializable snapshot of a host. */
export interface RemoteHostStats {
  queue: string;
  running: number;
  completed: number;
  failed: number;
  aborted: number;
  returned: number;
  pool: PoolStats;
}

/**
 * What a host reports about itself every `reportIntervalMs`, and what
 * `remote.hosts()` returns: plain JSON, kept in Redis until the host stops
 * reporting for three intervals (a host stopped gracefully removes it at once).
 */
export interface HostReport {
  /** `hostname-pid-random`: unique among the queue's hosts. */
  hostId: string;
  hostname: string;
  pid: number;
  queue: string;
  /** When the host started taking tasks, and when it wrote this report (epoch ms, its own clock). */
  startedAt: number;
  at: number;
  stats: RemoteHostStats;
  /** Its local pool's per-worker telemetry (`pool.telemetry()`). */
  workers: WorkerTelemetry[];
}
