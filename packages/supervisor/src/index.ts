export { Supervisor } from './supervisor.js';
export { resolveSupervisorOptions } from './options.js';
export type { CallOptions, HealthOptions, OutputMode, ResolvedSupervisorOptions, SharedSocketOptions, Strategy, SupervisorOptions } from './options.js';
export { resolveChildSpec } from './child-spec.js';
export type {
  ChildDefaults,
  ChildKind,
  ChildSpec,
  ChildSpecBase,
  CommandChildSpec,
  CronRestartOptions,
  HeartbeatOptions,
  NodeChildSpec,
  ProbeContext,
  Readiness,
  ResolvedChildSpec,
  ResolvedReadiness,
  RestartType,
  WatchOptions,
} from './child-spec.js';
export { connect, ControlClient } from './control-client.js';
export type { ConnectOptions, LogsOptions } from './control-client.js';
export { CONTROL_PROTOCOL_VERSION, CONTROL_SOCKET } from './control-protocol.js';
export type { ChildStatus, ChildSummary, ControlCommand, ControlResults, FleetStatus } from './control-protocol.js';
export { resolveLogOptions } from './log-options.js';
export type { LogOptions, ResolvedLogOptions } from './log-options.js';
export { logFileName } from './log-writer.js';
export type { LogFileStats } from './log-writer.js';
export { AbortError, ChildStartError, GaveUpError, InvalidSpecError, SupervisorError } from './errors.js';
export type { GaveUpDetails, SupervisorErrorCode, SupervisorErrorOptions } from './errors.js';
export type {
  BackoffEvent,
  ExitEvent,
  GiveUpEvent,
  ReadyEvent,
  RestartCause,
  RestartEvent,
  ShutdownEvent,
  SpawnEvent,
  SupervisorErrorEvent,
  SupervisorEvents,
} from './events.js';
export type {
  ChildCounts,
  ChildInfo,
  ChildState,
  ChildStats,
  ExitReason,
  LastExit,
  SpareInfo,
  SpareState,
  SupervisorState,
  SupervisorStats,
} from './stats.js';
// The clock is pool's (`@drove/pool/clock`), re-exported because `clock` is an option of the supervisor.
export { ManualClock, systemClock } from '@drove/pool/clock';
export type { Clock, ClockTimer } from '@drove/pool/clock';
