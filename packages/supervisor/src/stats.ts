/**
 * Plain, serializable snapshots of a supervisor and its children.
 *
 * @module
 */
import type { TelemetrySample } from '@drove/pool/telemetry';
import type { ChildKind, RestartType } from './child-spec.js';
import type { LogFileStats } from './log-writer.js';
import type { Strategy } from './options.js';

/**
 * Where a child is:
 * - `starting`: spawned, not yet ready;
 * - `running`: ready;
 * - `restarting`: waiting to be started again (its back-off, or its turn in a group restart) — OTP's `restarting`;
 * - `stopping`: asked to exit;
 * - `stopped`: not running, its spec kept (OTP's `undefined` child).
 */
export type ChildState = 'starting' | 'running' | 'restarting' | 'stopping' | 'stopped';

/**
 * Why a child's run ended:
 * - `normal`: it exited with code 0 by itself;
 * - `crashed`: every other exit (a code, a signal, an uncaught error);
 * - `exited-before-ready`: it ended before it was ready;
 * - `readiness-timeout`: it was not ready within `readinessTimeoutMs` and was stopped;
 * - `heartbeat-timeout`: it answered no ping within `heartbeat.timeoutMs` and was killed;
 * - `memory-limit`: its RSS passed `maxRssBytes` and it was stopped;
 * - `shutdown`: the supervisor stopped it (stop, terminateChild, a sibling's group restart, a rolling restart).
 */
export type ExitReason =
  | 'normal'
  | 'crashed'
  | 'exited-before-ready'
  | 'readiness-timeout'
  | 'heartbeat-timeout'
  | 'memory-limit'
  | 'shutdown';

/** One child, as `whichChildren()` lists it (OTP's `which_children`). */
export interface ChildInfo {
  name: string;
  kind: ChildKind;
  restart: RestartType;
  state: ChildState;
  /** The OS pid of the running child (for threads: the supervisor's), while it runs. */
  pid: number | undefined;
  /** The thread id of a thread child while it runs; 0 for processes and commands. */
  threadId: number | undefined;
}

/** Counts of children (OTP's `count_children`). */
export interface ChildCounts {
  /** Child specs held. */
  specs: number;
  /** Children with a live process or thread (starting, running or stopping). */
  active: number;
  starting: number;
  running: number;
  restarting: number;
  stopping: number;
  stopped: number;
}

/** How a child's last run ended. */
export interface LastExit {
  reason: ExitReason;
  exitCode: number | null;
  signal: string | null;
  /** The clock's time of the exit. */
  at: number;
}

/** Where a warm spare is: `booting` (Node starting, its preloads importing) or `warm` (waiting for a restart). */
export type SpareState = 'booting' | 'warm';

/** A child's warm spare (`spare: true`), as `stats()` shows it: not a child, so `whichChildren()` leaves it out. */
export interface SpareInfo {
  pid: number | undefined;
  state: SpareState;
}

/** One child in {@link SupervisorStats}. */
export interface ChildStats extends ChildInfo {
  /** Times the child was started again after its first start. */
  restarts: number;
  /** Failures in a row since it was last stable (what its back-off counts). */
  consecutiveFailures: number;
  /** Milliseconds since it became ready, while running. */
  uptimeMs: number | undefined;
  lastExit: LastExit | undefined;
  /** The last heartbeat answer of the running child: when (on the supervisor's clock) and what it reported. */
  lastPong: { at: number; telemetry: TelemetrySample } | undefined;
  /** For a copy of an `instances` spec: the group (the spec's name) and its number in it. */
  group: string | undefined;
  instance: number | undefined;
  /** Its warm spare, while one is alive (`spare: true`). */
  spare: SpareInfo | undefined;
  /** While it waits out a back-off: when its restart is due, on the supervisor's clock. */
  restartAt: number | undefined;
  /** With `cronRestart`: when its next scheduled restart is due, on the supervisor's clock (once it has started). */
  cronRestartAt: number | undefined;
  /** Its log file (the `logs` option): lines written and dropped. */
  log: LogFileStats | undefined;
}

/** The supervisor's lifecycle. */
export type SupervisorState = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped';

/** A plain snapshot: `supervisor.stats()`. */
export interface SupervisorStats {
  state: SupervisorState;
  strategy: Strategy;
  /** Restarts of all children since the start. */
  restarts: number;
  /** Restarts within the current intensity window (compare with `maxRestarts`). */
  recentRestarts: number;
  /** The restart intensity, `null` when unlimited (so the snapshot survives JSON). */
  maxRestarts: number | null;
  periodMs: number;
  children: ChildStats[];
}
