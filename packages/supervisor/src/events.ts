/**
 * The supervisor's events: camelCase names, one payload object each.
 *
 * @module
 */
import type { ChildKind } from './child-spec.js';
import type { ExitReason } from './stats.js';

/** What caused a child to be started again. */
export type RestartCause = ExitReason | 'sibling' | 'rolling' | 'manual' | 'watch' | 'cron';

/** A child was spawned (not yet ready). */
export interface SpawnEvent {
  name: string;
  kind: ChildKind;
  pid: number | undefined;
  threadId: number;
  /** Times this child was started again before this spawn. */
  restarts: number;
}

/** A child became ready: it is running. */
export interface ReadyEvent {
  name: string;
  pid: number | undefined;
  threadId: number;
  /** Milliseconds from its spawn to its readiness, on the supervisor's clock. */
  startupMs: number;
}

/** A child's process or thread has ended: its pid no longer lives. */
export interface ExitEvent {
  name: string;
  pid: number | undefined;
  threadId: number;
  reason: ExitReason;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** The error it died of, when known (a thread's uncaught exception, a `fatal` envelope, a failed spawn). */
  error: Error | undefined;
  /** Its RSS when it was stopped for `memory-limit`. */
  rssBytes: number | undefined;
  /** Whether the supervisor will start it again. */
  willRestart: boolean;
}

/** A child is being started again. */
export interface RestartEvent {
  name: string;
  cause: RestartCause;
  /** Times it was started again, this one included. */
  restarts: number;
}

/** A child's restart waits for its back-off (our addition to OTP). */
export interface BackoffEvent {
  name: string;
  delayMs: number;
  /** Failures in a row, this one included. */
  consecutiveFailures: number;
}

/** The restart intensity was exceeded: every child is being stopped. */
export interface GiveUpEvent {
  name: string;
  maxRestarts: number;
  periodMs: number;
  error: Error;
}

/** The supervisor began to stop its children. */
export interface ShutdownEvent {
  reason: 'stop' | 'signal' | 'give-up';
  signal: NodeJS.Signals | undefined;
}

/** An error that belongs to no call (a shared socket's server failed, a warm spare could not boot). */
export interface SupervisorErrorEvent {
  error: Error;
}

/** The event map of a {@link Supervisor}. */
export interface SupervisorEvents {
  spawn: (event: SpawnEvent) => void;
  ready: (event: ReadyEvent) => void;
  exit: (event: ExitEvent) => void;
  restart: (event: RestartEvent) => void;
  backoff: (event: BackoffEvent) => void;
  giveUp: (event: GiveUpEvent) => void;
  shutdown: (event: ShutdownEvent) => void;
  error: (event: SupervisorErrorEvent) => void;
}
