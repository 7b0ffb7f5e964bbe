/**
 * What the runtime reports through its `onTransition`, `onMetrics` and
 * `onLog` hooks, and the snapshots `stats()` and `metrics()` return.
 *
 * @module
 */

/**
 * Why a tenant process ended:
 * - `crashed`: it exited by itself with a non-zero code or was killed by a signal the runtime did not send
 * - `exited-clean`: it exited by itself with code 0
 * - `idle-killed`: the sweeper stopped it after `idleAfterMs` without `ensure()` or `touch()`
 * - `lru-evicted`: a start needed its slot under `maxConcurrent`; it was the least recently used
 * - `killed`: `runtime.kill(key)`
 * - `readiness-timeout`: it did not report ready within `readyTimeoutMs`
 * - `disposed`: `runtime.dispose()`
 * - `restarted`: `runtime.restart(key)`
 */
export type ExitReason =
  | 'crashed'
  | 'exited-clean'
  | 'idle-killed'
  | 'lru-evicted'
  | 'killed'
  | 'readiness-timeout'
  | 'disposed'
  | 'restarted';

/** Every {@link ExitReason}, in a fixed order (the keys of `metrics().totalExits`). */
export const EXIT_REASONS: readonly ExitReason[] = [
  'crashed',
  'exited-clean',
  'idle-killed',
  'lru-evicted',
  'killed',
  'readiness-timeout',
  'disposed',
  'restarted',
];

/** A running tenant, as `ensure()` returns it. Read-only: the runtime updates `lastTouchedAt`. */
export interface Tenant {
  /** The key the tenant was asked for by. */
  readonly key: string;
  /** The port the tenant listens on, on 127.0.0.1. */
  readonly port: number;
  /** Its process id. */
  readonly pid: number;
  /** When it was spawned (the runtime clock's `now()`, epoch ms by default). */
  readonly startedAt: number;
  /** When it was last asked for by `ensure()` or `touch()`. */
  readonly lastTouchedAt: number;
}

/** A state change of a tenant or of the runtime, given to `onTransition`. */
export type RuntimeTransitionEvent =
  /** The process was started. `port` is known here only when the runtime bound it (`listen: 'handle'`). */
  | { type: 'spawn'; key: string; pid: number; port: number | null }
  /** It reported ready; `durationMs` from spawn to ready. */
  | { type: 'ready'; key: string; pid: number; port: number; durationMs: number }
  | { type: 'idle-kill'; key: string; pid: number; reason: 'idle-threshold'; idleMs: number }
  | { type: 'lru-evict'; key: string; pid: number; reason: 'max-concurrent' }
  /** The process ended (emitted once per process, after its output was read: at most 2 s after the exit). */
  | { type: 'exit'; key: string; pid: number; exitCode: number | null; signal: NodeJS.Signals | null; reason: ExitReason }
  /** `ensure()` was refused because the key is backing off; `retryAfterMs` is `null` once it is refused for good. */
  | { type: 'backoff'; key: string; attempt: number; retryAfterMs: number | null }
  | { type: 'drain'; reason: 'drain-requested' }
  /** A configured limit could not be applied on this host (emitted once per runtime). */
  | { type: 'limit-skipped'; limit: 'memory-cgroup'; reason: string };

/** Operational figures, given to `onMetrics`. */
export type RuntimeMetricEvent =
  /** A start completed: `durationMs` from spawn to ready. */
  | { type: 'spawn'; key: string; pid: number; port: number; durationMs: number }
  /** A periodic observation of a running tenant (Linux `/proc`; see `observeIntervalMs`). */
  | {
      type: 'observation';
      key: string;
      pid: number;
      /** CPU time (user + system) since spawn, in ms, counted in the kernel's real clock ticks. */
      cpuMs: number;
      /** Resident set size. */
      rssBytes: number;
      at: number;
    };

/** One line a tenant wrote, given to `onLog`. */
export interface RuntimeLogEvent {
  key: string;
  pid: number;
  stream: 'stdout' | 'stderr';
  /** The line without its newline; at most `maxLogLineLength` characters. */
  line: string;
  /** True when the line was longer than `maxLogLineLength`: the rest of it was dropped. */
  truncated: boolean;
  at: number;
}

/** A point-in-time snapshot, from `stats()`. Plain and serializable. */
export interface RuntimeStats {
  /** Tenants ready and serving. */
  running: number;
  /** Tenants known to the runtime: starting (or waiting to start) and running. */
  total: number;
  /** Tenants starting: waiting for a slot, spawned and not yet ready. */
  starting: number;
  /** Processes alive or reserved: running, starting and stopping. Never more than `maxConcurrent`. */
  processes: number;
  /** True once `drain()` was called. */
  draining: boolean;
  /** Keys currently backing off (or refused) after failed starts. */
  backoff: number;
}

/**
 * {@link RuntimeStats} plus counters since `createRuntime()`, from `metrics()`.
 * The counters survive `dispose()`.
 */
export interface RuntimeMetrics extends RuntimeStats {
  /** Processes spawned. */
  totalSpawns: number;
  /** Processes ended, by reason. */
  totalExits: Record<ExitReason, number>;
  /** Failed starts recorded against a key's back-off. */
  totalBackoffEntries: number;
  /** Spawn-to-ready time of the most recent successful start, in ms (0 before the first). */
  lastSpawnMs: number;
}
